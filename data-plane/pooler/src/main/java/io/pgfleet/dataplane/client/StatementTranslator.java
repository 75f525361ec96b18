package io.pgfleet.dataplane.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.dataplane.pool.PooledServer;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.FrontendMessages;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;
import io.pgfleet.dataplane.session.PreparedStatement;
import io.pgfleet.dataplane.session.ServerStatements;
import io.pgfleet.dataplane.session.SessionSql;
import io.pgfleet.dataplane.session.StatementRegistry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * One transaction- or statement-mode client's messages on their way to whichever server it
 * holds, and the answers on their way back. It makes named prepared statements work when
 * a client's statements may be on any server:
 * <ul>
 * <li>a named Parse becomes a Parse of the pool-wide {@link PreparedStatement}, or, when
 *     the server already has that one, no message at all and a ParseComplete from the node;</li>
 * <li>Bind and Describe use the pool-wide name, after a Parse the node adds when the
 *     server lacks the statement (evicting its least recently used one beyond
 *     max_prepared_statements with a Close);</li>
 * <li>Close of a statement and {@code DEALLOCATE name} forget the client's name only and
 *     are answered by the node; DEALLOCATE ALL and DISCARD ALL go to the server, which
 *     then has none of the node's statements.</li>
 * </ul>
 * Answers come back in the order the messages went, so every message sent is queued with
 * the answer it expects; the node's own answers wait in that queue for their turn, and the
 * answers to the node's own messages are dropped. An error makes the server skip to the
 * next Sync; what it skipped is undone here too. Errors the node gives in PostgreSQL's
 * place (a statement name already used or unknown, a refused feature) go through the
 * server too, as a Bind of a statement that cannot exist: the server fails and skips to
 * Sync exactly as it would have, and the node swaps in its own message.
 * <p>
 * It also scans each statement's text ({@link SessionSql}) for session state, refusing it
 * under {@code pgfleet_session_state=refuse} and otherwise telling the session to look.
 * Runs on the client's event loop.
 */
final class StatementTranslator {
    private enum Kind { PARSE, NODE_PARSE, NODE_CLOSE, BIND, DESCRIBE, EXECUTE, CLOSE, SYNC, QUERY, FUNCTION, NODE_ANSWER, SWAP_ERROR }

    /** One expected answer. */
    private static final class Expected {
        final Kind kind;
        PreparedStatement statement;
        /** The client's name, for a Parse or a Close to undo if the server skips it. */
        String clientName;
        /** NODE_ANSWER: the message the node answers with; SWAP_ERROR: the error that replaces the server's. */
        ByteBuf message;
        /** NODE_ANSWER: the client message it answers: 'P' Parse, 'C' Close, 'Q' a DEALLOCATE query (ReadyForQuery follows). */
        byte answers;

        Expected(Kind kind) {
            this.kind = kind;
        }
    }

    private static final Expected BIND = new Expected(Kind.BIND);
    private static final Expected DESCRIBE = new Expected(Kind.DESCRIBE);
    private static final Expected EXECUTE = new Expected(Kind.EXECUTE);
    private static final Expected CLOSE = new Expected(Kind.CLOSE);
    private static final Expected SYNC = new Expected(Kind.SYNC);
    private static final Expected QUERY = new Expected(Kind.QUERY);
    private static final Expected FUNCTION = new Expected(Kind.FUNCTION);
    private static final Expected UNNAMED_PARSE = new Expected(Kind.PARSE);

    /** A statement name no server has: a Bind of it fails with 26000 and nothing else. */
    private static final byte[] FAILING_BIND = failingBind();

    private final Channel client;
    private final StatementRegistry registry;
    private final PoolSessionStats stats;
    private final boolean translate;
    private final SessionStatePolicy policy;
    private final IntSupplier transactionStatus;
    /** Called for each Query, Sync or FunctionCall the server will send no ReadyForQuery for. */
    private final Runnable answeredWithoutServer;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final ArrayDeque<Expected> expected = new ArrayDeque<>();
    /** An extended-protocol error came: the server skips everything up to the next Sync. */
    private boolean skippingToSync;
    /** SessionSql flags of the unnamed statement, applied when it is bound. */
    private int unnamedFlags;
    /** SessionSql flags of what the client ran since the session last looked. */
    private int sessionFlags;
    private boolean pinned;
    /** The server the client holds now; answers come only while it holds one. */
    private PooledServer server;
    /** The node wrote answers of its own to the client since the session last flushed. */
    private boolean wroteToClient;
    /**
     * The server answered an Execute with CopyInResponse and the client has not ended the
     * copy: the server ignores Sync meanwhile (libpq sends one right after the Execute, not
     * knowing it starts a COPY, and another after CopyDone), so no ReadyForQuery comes for it.
     */
    private boolean copyIn;

    StatementTranslator(Channel client, StatementRegistry registry, PoolSessionStats stats, boolean translate,
                        SessionStatePolicy policy, IntSupplier transactionStatus, Runnable answeredWithoutServer) {
        this.client = client;
        this.registry = registry;
        this.stats = stats;
        this.translate = translate;
        this.policy = policy;
        this.transactionStatus = transactionStatus;
        this.answeredWithoutServer = answeredWithoutServer;
    }

    /** The server the client holds from now on, or null once it gave it back. */
    void linked(PooledServer server) {
        this.server = server;
    }

    /** True once after the node wrote answers of its own to the client; the session flushes them. */
    boolean takeWroteToClient() {
        boolean wrote = wroteToClient;
        wroteToClient = false;
        return wrote;
    }

    /** The session holds its server for session state; unknown statement names may then be SQL PREPAREd ones. */
    void pinned(boolean pinned) {
        this.pinned = pinned;
    }

    /** {@link SessionSql} flags of what the client ran since the session last looked. */
    int sessionFlags() {
        return sessionFlags;
    }

    void clearSessionFlags() {
        sessionFlags = 0;
    }

    /** No answer outstanding, from the server or the node. */
    boolean idle() {
        return expected.isEmpty();
    }

    // ---- client to server ----------------------------------------------------------------

    /** Sends one client message to the linked server, as it came or translated; takes ownership of it. */
    void toServer(ByteBuf frame) {
        byte type = frame.getByte(frame.readerIndex());
        if (copyIn && type != 'd' && type != 'H') {
            if (type == 'S') {
                write(frame); // ignored in copy-in mode
                answeredWithoutServer.run();
                return;
            }
            copyIn = false; // CopyDone, CopyFail, or a message that makes the server abort the copy
        }
        switch (type) {
            case 'P' -> parse(frame);
            case 'B' -> bind(frame);
            case 'D' -> describe(frame);
            case 'C' -> close(frame);
            case 'Q' -> query(frame);
            case 'E' -> send(frame, EXECUTE);
            case 'S' -> send(frame, SYNC);
            case 'F' -> send(frame, FUNCTION);
            default -> write(frame); // Flush, CopyData, CopyDone, CopyFail: no answer of their own
        }
        answerInTurn();
    }

    private void parse(ByteBuf frame) {
        int nameStart = frame.readerIndex() + 5;
        int nameEnd = terminator(frame, nameStart, "Parse");
        int queryEnd = terminator(frame, nameEnd + 1, "Parse");
        int flags = SessionSql.scan(frame, nameEnd + 1, queryEnd);
        if (refused(flags, frame)) {
            return;
        }
        if (nameEnd == nameStart || !translate) {
            if (nameEnd == nameStart) {
                unnamedFlags = flags;
            } else {
                sessionFlags |= flags; // not translated: counted when prepared, not when used
            }
            send(frame, UNNAMED_PARSE);
            return;
        }
        String name = name(frame, nameStart, nameEnd);
        if (statements.containsKey(name)) {
            frame.release();
            failInstead(SqlState.DUPLICATE_PREPARED_STATEMENT, "prepared statement \"" + name + "\" already exists");
            return;
        }
        byte[] body = parseBody(frame, nameEnd);
        frame.release();
        PreparedStatement statement = registry.acquire(body, flags);
        statements.put(name, statement);
        Expected parse;
        if (server.statements().has(statement)) {
            stats.statementHit();
            parse = nodeAnswer((byte) 'P', BackendMessages.empty(client.alloc(), BackendMessages.PARSE_COMPLETE));
        } else {
            prepareOnServer(statement);
            parse = new Expected(Kind.PARSE);
        }
        parse.statement = statement;
        parse.clientName = name;
        expected.add(parse);
    }

    private void bind(ByteBuf frame) {
        int portalEnd = terminator(frame, frame.readerIndex() + 5, "Bind");
        int nameStart = portalEnd + 1;
        int nameEnd = terminator(frame, nameStart, "Bind");
        if (nameEnd == nameStart) {
            sessionFlags |= unnamedFlags;
            send(frame, BIND);
        } else {
            sendWithStatement(frame, nameStart, nameEnd, BIND);
        }
    }

    private void describe(ByteBuf frame) {
        int nameStart = frame.readerIndex() + 6;
        int nameEnd = terminator(frame, nameStart, "Describe");
        if (frame.getByte(nameStart - 1) != 'S' || nameEnd == nameStart) {
            send(frame, DESCRIBE); // a portal, or the unnamed statement
        } else {
            sendWithStatement(frame, nameStart, nameEnd, DESCRIBE);
        }
    }

    /** Bind or Describe of a named statement: under its pool-wide name, prepared on the server first if need be. */
    private void sendWithStatement(ByteBuf frame, int nameStart, int nameEnd, Expected answer) {
        if (!translate) {
            send(frame, answer);
            return;
        }
        String name = name(frame, nameStart, nameEnd);
        PreparedStatement statement = statements.get(name);
        if (statement == null) {
            if (pinned) {
                send(frame, answer); // maybe SQL PREPAREd on the pinned server, which answers for itself
            } else {
                frame.release();
                failInstead(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \"" + name + "\" does not exist");
            }
            return;
        }
        if (server.statements().has(statement)) {
            stats.statementHit();
        } else {
            prepareOnServer(statement);
            expected.add(node(Kind.NODE_PARSE, statement));
        }
        if (answer == BIND) {
            sessionFlags |= statement.sqlFlags();
        }
        send(renamed(frame, nameStart, nameEnd, statement), answer);
    }

    private void close(ByteBuf frame) {
        int nameStart = frame.readerIndex() + 6;
        int nameEnd = terminator(frame, nameStart, "Close");
        if (!translate || frame.getByte(nameStart - 1) != 'S' || nameEnd == nameStart) {
            send(frame, CLOSE);
            return;
        }
        String name = name(frame, nameStart, nameEnd);
        frame.release();
        // The statement stays on servers for other clients and this one's next Parse of it.
        // Closing a name that does not exist is no error in PostgreSQL either.
        Expected answer = nodeAnswer((byte) 'C', BackendMessages.empty(client.alloc(), BackendMessages.CLOSE_COMPLETE));
        answer.clientName = name;
        answer.statement = statements.remove(name);
        expected.add(answer);
    }

    private void query(ByteBuf frame) {
        int from = frame.readerIndex() + 5;
        int to = frame.writerIndex() - 1; // the text's terminator
        int flags = SessionSql.scan(frame, from, to);
        if (refused(flags, frame)) {
            // The failing Bind leaves the server skipping to a Sync, which a simple Query's
            // client never sends: the node's Sync ends it, and its ReadyForQuery answers the Query.
            write(FrontendMessages.sync(client.alloc()));
            expected.add(SYNC);
            return;
        }
        sessionFlags |= flags;
        if (translate && (flags & SessionSql.SESSION_CHANGE) != 0) {
            if (SessionSql.dropsAllPrepared(frame, from, to)) {
                // The server drops every statement: the client's names go, and the server's cache.
                forgetAll();
                server.statements().clear();
            } else {
                String name = SessionSql.deallocateName(frame, from, to);
                PreparedStatement statement = name == null ? null : statements.get(name);
                if (statement != null && transactionStatus.getAsInt() != 'E') {
                    frame.release();
                    // Released when the answer goes out, as for a Close: a skip may undo it.
                    Expected answer = nodeAnswer((byte) 'Q', BackendMessages.commandComplete(client.alloc(), "DEALLOCATE"));
                    answer.clientName = name;
                    answer.statement = statements.remove(name);
                    expected.add(answer);
                    return;
                }
            }
        }
        send(frame, QUERY);
    }

    /**
     * Whether the node can answer this Parse without a server: a named statement the client
     * does not have yet, whose text a server of this node already accepted, with nothing in
     * it the session has to know about.
     */
    boolean parseAnswerableWithoutServer(ByteBuf frame) {
        if (!translate || frame.getByte(frame.readerIndex()) != 'P') {
            return false;
        }
        int nameStart = frame.readerIndex() + 5;
        int nameEnd = frame.indexOf(nameStart, frame.writerIndex(), (byte) 0);
        int queryEnd = nameEnd < 0 ? -1 : frame.indexOf(nameEnd + 1, frame.writerIndex(), (byte) 0);
        if (queryEnd < 0 || nameEnd == nameStart || statements.containsKey(name(frame, nameStart, nameEnd))
                || SessionSql.scan(frame, nameEnd + 1, queryEnd) != 0) {
            return false;
        }
        PreparedStatement known = registry.find(parseBody(frame, nameEnd));
        return known != null && known.isAccepted();
    }

    /** Takes the client's name for the statement and answers ParseComplete; see {@link #parseAnswerableWithoutServer}. */
    void answerParseWithoutServer(ByteBuf frame) {
        int nameStart = frame.readerIndex() + 5;
        int nameEnd = frame.indexOf(nameStart, frame.writerIndex(), (byte) 0);
        String name = name(frame, nameStart, nameEnd);
        statements.put(name, registry.acquire(parseBody(frame, nameEnd), 0));
        frame.release();
        stats.statementHit();
        client.write(BackendMessages.empty(client.alloc(), BackendMessages.PARSE_COMPLETE), client.voidPromise());
    }

    private static byte[] parseBody(ByteBuf frame, int nameEnd) {
        byte[] body = new byte[frame.writerIndex() - nameEnd - 1];
        frame.getBytes(nameEnd + 1, body);
        return body;
    }

    /** Sends a Parse of the statement (after a Close of the one it evicts, if any); the caller queues the answer. */
    private void prepareOnServer(PreparedStatement statement) {
        ServerStatements cache = server.statements();
        PreparedStatement evicted = cache.add(statement);
        if (evicted != null) {
            stats.statementEvicted();
            write(evicted.closeMessage(client.alloc()));
            expected.add(node(Kind.NODE_CLOSE, evicted));
        }
        stats.statementPrepared();
        write(statement.parseMessage(client.alloc()));
    }

    private boolean refused(int flags, ByteBuf frame) {
        int creates = flags & SessionSql.CREATES_MASK;
        if (creates == 0 || policy != SessionStatePolicy.REFUSE) {
            return false;
        }
        frame.release();
        stats.refused();
        String feature = SessionSql.featureName(Integer.lowestOneBit(creates));
        failInstead(SqlState.FEATURE_NOT_SUPPORTED, feature + " is not supported in transaction pooling: the state "
                + "would stay on a server connection other clients use (" + SessionStatePolicy.SETTING
                + "=refuse for this pool; set it to pin to keep the connection for the client while the state exists)");
        return true;
    }

    /** Fails at the server in place of a client message, with the node's error in place of the server's. */
    private void failInstead(String sqlState, String message) {
        write(client.alloc().buffer(FAILING_BIND.length).writeBytes(FAILING_BIND));
        Expected swap = new Expected(Kind.SWAP_ERROR);
        swap.message = BackendMessages.errorResponse(client.alloc(), "ERROR", sqlState, message);
        expected.add(swap);
    }

    private void send(ByteBuf frame, Expected answer) {
        write(frame);
        expected.add(answer);
    }

    private void write(ByteBuf frame) {
        server.channel().write(frame, server.channel().voidPromise());
    }

    // ---- server to client ----------------------------------------------------------------

    /**
     * One server message on its way to the client: returns it, a replacement, or null when
     * the client must not see it (the answer to the node's own message). Takes ownership.
     * Call {@link #answerInTurn()} after each batch.
     */
    ByteBuf toClient(ByteBuf frame) {
        // The node's answers due before this message go first: the session writes each
        // message this returns before handing over the next, and a ReadyForQuery must not
        // find them still waiting (it would take them for skipped ones).
        answerInTurn();
        byte type = frame.getByte(frame.readerIndex());
        if (type == 'N' || type == 'A' || type == 'S') {
            return frame; // notices, notifications, parameter changes come at any time
        }
        Expected head = expected.peek();
        if (head == null) {
            return frame;
        }
        if (type == BackendMessages.READY_FOR_QUERY) {
            endOfSkip();
            return frame;
        }
        if (type == BackendMessages.ERROR_RESPONSE) {
            copyIn = false; // a COPY the server gave up; it honours the next Sync
            if (head.kind == Kind.QUERY || head.kind == Kind.FUNCTION || head.kind == Kind.SYNC) {
                return frame; // ReadyForQuery still follows for this one
            }
            expected.poll();
            skippingToSync = true;
            if (head.kind == Kind.SWAP_ERROR) {
                frame.release();
                return head.message;
            }
            undo(head); // a Parse that failed did not prepare anything
            return frame;
        }
        if (type == 'G' && head.kind == Kind.EXECUTE) {
            startCopyIn();
        }
        if (!completes(head.kind, type)) {
            return frame;
        }
        expected.poll();
        if (type == BackendMessages.PARSE_COMPLETE && head.statement != null) {
            head.statement.accepted(); // a server parsed it: later clients may be answered without one
        }
        if (head.kind == Kind.NODE_PARSE || head.kind == Kind.NODE_CLOSE) {
            frame.release();
            return null;
        }
        return frame;
    }

    /** An Execute started COPY FROM STDIN: the Syncs the client sent after it are ignored by the server. */
    private void startCopyIn() {
        copyIn = true;
        Expected execute = expected.poll();
        while (expected.peek() == SYNC) {
            expected.poll();
            answeredWithoutServer.run();
        }
        expected.addFirst(execute);
    }

    /** Writes the node's answers that are next in line. */
    void answerInTurn() {
        Expected head;
        while (!skippingToSync && (head = expected.peek()) != null && head.kind == Kind.NODE_ANSWER) {
            expected.poll();
            if (head.answers != 'P' && head.statement != null) {
                registry.release(head.statement); // the Close or DEALLOCATE took effect
            }
            client.write(head.message, client.voidPromise());
            if (head.answers == 'Q') {
                client.write(BackendMessages.readyForQuery(client.alloc(), (byte) transactionStatus.getAsInt()), client.voidPromise());
                answeredWithoutServer.run();
            }
            wroteToClient = true;
        }
    }

    /**
     * ReadyForQuery: the Sync (or Query) it answers ends the skip; what the server skipped is
     * undone, last first, so that a Parse and a Close of one name both skipped leave what
     * was there before them. A server skipping to Sync discards a Query or FunctionCall too
     * (PostgreSQL's ignore_till_sync): no ReadyForQuery comes for it.
     */
    private void endOfSkip() {
        Expected e = expected.peek();
        if (e != null && endsSkip(e)) {
            // The usual case, nothing skipped: no allocation per ReadyForQuery.
            expected.poll();
            skippingToSync = false;
            copyIn = false;
            return;
        }
        ArrayDeque<Expected> skipped = new ArrayDeque<>(4);
        while ((e = expected.poll()) != null) {
            if (endsSkip(e)) {
                break;
            }
            skipped.push(e);
        }
        while ((e = skipped.poll()) != null) {
            undo(e);
        }
        skippingToSync = false;
        copyIn = false;
    }

    /** The message a ReadyForQuery answers: a Sync, or a Query or FunctionCall when no skip is on. */
    private boolean endsSkip(Expected e) {
        return e.kind == Kind.SYNC || (!skippingToSync && (e.kind == Kind.QUERY || e.kind == Kind.FUNCTION));
    }

    private static boolean completes(Kind kind, byte type) {
        return switch (kind) {
            case PARSE, NODE_PARSE -> type == '1';
            case BIND -> type == '2';
            case CLOSE, NODE_CLOSE -> type == '3';
            case DESCRIBE -> type == 'T' || type == 'n';
            case EXECUTE -> type == 'C' || type == 'I' || type == 's';
            default -> false;
        };
    }

    /** The server failed or skipped this one: undo what sending it assumed. */
    private void undo(Expected e) {
        switch (e.kind) {
            case PARSE -> {
                if (e.statement != null && statements.get(e.clientName) == e.statement) {
                    statements.remove(e.clientName);
                    registry.release(e.statement);
                }
                if (e.statement != null) {
                    server.statements().remove(e.statement);
                }
            }
            case NODE_PARSE -> server.statements().remove(e.statement);
            case NODE_CLOSE -> server.statements().restore(e.statement);
            case SWAP_ERROR -> e.message.release();
            case QUERY, FUNCTION -> answeredWithoutServer.run();
            case NODE_ANSWER -> {
                e.message.release();
                if (e.answers == 'Q') {
                    answeredWithoutServer.run(); // no ReadyForQuery from the node either
                }
                if (e.answers == 'P') {
                    if (statements.get(e.clientName) == e.statement) {
                        statements.remove(e.clientName); // a Parse that never ran
                        registry.release(e.statement);
                    }
                } else if (e.statement != null) {
                    if (statements.containsKey(e.clientName)) {
                        registry.release(e.statement);
                    } else {
                        statements.put(e.clientName, e.statement); // a Close or DEALLOCATE that never ran
                    }
                }
            }
            default -> {
            }
        }
    }

    // ---- session end ---------------------------------------------------------------------

    /** Forgets every name of the client (DEALLOCATE ALL, DISCARD ALL). */
    void forgetAll() {
        statements.values().forEach(registry::release);
        statements.clear();
    }

    /** The client left: its names go, and answers it will never read. */
    void close() {
        forgetAll();
        Expected e;
        while ((e = expected.poll()) != null) {
            if (e.message != null) {
                e.message.release();
            }
            if (e.kind == Kind.NODE_ANSWER && e.answers != 'P' && e.statement != null) {
                registry.release(e.statement);
            }
        }
        server = null;
    }

    private static Expected node(Kind kind, PreparedStatement statement) {
        Expected e = new Expected(kind);
        e.statement = statement;
        return e;
    }

    private static Expected nodeAnswer(byte answers, ByteBuf message) {
        Expected e = new Expected(Kind.NODE_ANSWER);
        e.answers = answers;
        e.message = message;
        return e;
    }

    private static String name(ByteBuf frame, int from, int to) {
        return frame.toString(from, to - from, StandardCharsets.UTF_8);
    }

    private static int terminator(ByteBuf frame, int from, String message) {
        int end = frame.indexOf(from, frame.writerIndex(), (byte) 0);
        if (end < 0) {
            frame.release();
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid " + message + " message: missing string terminator");
        }
        return end;
    }

    /** The message with the client's statement name replaced by the pool-wide one. */
    private ByteBuf renamed(ByteBuf frame, int nameStart, int nameEnd, PreparedStatement statement) {
        ByteBuf out = client.alloc().buffer(frame.readableBytes() + 16);
        out.writeBytes(frame, frame.readerIndex(), nameStart - frame.readerIndex());
        statement.writeServerName(out);
        out.writeBytes(frame, nameEnd + 1, frame.writerIndex() - nameEnd - 1);
        out.setInt(out.readerIndex() + 1, out.readableBytes() - 1);
        frame.release();
        return out;
    }

    private static byte[] failingBind() {
        byte[] name = "pgfleet_no_such_statement".getBytes(StandardCharsets.US_ASCII);
        // portal "", statement name, no parameter formats, no parameters, no result formats
        int length = 4 + 1 + name.length + 1 + 2 + 2 + 2;
        ByteBuffer buf = ByteBuffer.allocate(1 + length);
        buf.put((byte) 'B').putInt(length).put((byte) 0).put(name).put((byte) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        return buf.array();
    }
}
