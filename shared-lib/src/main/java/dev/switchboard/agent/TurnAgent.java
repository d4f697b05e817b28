package dev.switchboard.agent;

import dev.langchain4j.service.TokenStream;

/** The langchain4j AI service of one turn: built per turn by {@link AgentFactory}, never cached or shared. */
public interface TurnAgent {
    TokenStream chat(String userMessage);
}
