package dev.switchboard.turn;

import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.TurnRequest;

/**
 * One run of a turn: the turn, the model and context it is answered with, where its output goes, when it started,
 * the time by which the model must be done (the invocation's end less the reserve), and the run's claim number.
 */
record RunningTurn(TurnRequest request, ModelChoice model, TurnContext context, TurnOutput output, long started,
                   long deadline, long attempt) {}
