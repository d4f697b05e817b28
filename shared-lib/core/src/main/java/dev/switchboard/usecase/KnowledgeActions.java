package dev.switchboard.usecase;

import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;

/** The user's memory and knowledge-base actions (list and delete memories; add, list and delete documents). */
public interface KnowledgeActions {
    ServerEvent listMemories(String userId);

    ServerEvent deleteMemory(String userId, ClientAction.DeleteMemory d);

    ServerEvent addDocument(String userId, ClientAction.AddDocument a);

    ServerEvent listDocuments(String userId);

    ServerEvent deleteDocument(String userId, ClientAction.DeleteDocument d);

    /** Memory and knowledge base switched off: every action answers that it is not available. */
    KnowledgeActions NONE = new KnowledgeActions() {
        private ServerEvent off(String action) {
            return ServerEvent.Error.of(ErrorCode.UNKNOWN_ACTION, "Memory and documents are not enabled here")
                    .forAction(action);
        }

        public ServerEvent listMemories(String userId) { return off("listMemories"); }

        public ServerEvent deleteMemory(String userId, ClientAction.DeleteMemory d) { return off(d.action()); }

        public ServerEvent addDocument(String userId, ClientAction.AddDocument a) { return off(a.action()); }

        public ServerEvent listDocuments(String userId) { return off("listDocuments"); }

        public ServerEvent deleteDocument(String userId, ClientAction.DeleteDocument d) { return off(d.action()); }
    };
}
