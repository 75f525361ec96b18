package io.pgfleet.dataplane.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Finds SQL that creates or changes session state, in the text of a simple Query or a Parse
 * message.
 *
 * <p>In transaction pooling a client's transactions may each run on a different server
 * connection, so session state that outlives a transaction would be left behind on one server
 * and missing on the next: notifications for a LISTEN, a SQL-level PREPAREd statement, a
 * cursor declared WITH HOLD, a session-level advisory lock, a temporary table. When a statement
 * creates such state the pooler must pin the client to its server or refuse the statement;
 * {@link #CREATES_MASK} says which. Statements that may change or drop session state (SET,
 * DISCARD, UNLISTEN, DEALLOCATE, ...) set {@link #SESSION_CHANGE} so the pooler looks at the
 * session again afterwards.
 *
 * <p>This runs on every Query and Parse, so it scans the UTF-8 bytes in place: one pass, no
 * regular expressions, no decoding, no allocation. It is a lexer, not a parser. It skips
 * whitespace, {@code --} and nested {@code /* *}{@code /} comments, {@code 'strings'} (with
 * {@code ''}), {@code E'escape strings'} (with backslash escapes), {@code "quoted identifiers"}
 * and {@code $tag$dollar quotes$tag$}; splits statements at semicolons; and looks at each
 * statement's leading keywords plus, anywhere, calls of the advisory-lock functions and
 * {@code set_config}. Keywords are ASCII and case-insensitive; a quoted identifier is never a
 * keyword, although a quoted function name that is exactly the function's name still counts
 * as a call of it (PostgreSQL resolves {@code "pg_advisory_lock"(1)} to the same function).
 *
 * <p>Known blind spots, all of which the pooler cannot see without running the SQL:
 * <ul>
 *   <li>state created inside functions, procedures and DO blocks (their bodies are strings),
 *       and by dynamic SQL ({@code EXECUTE format(...)} in PL/pgSQL);</li>
 *   <li>calls of the lock functions through a name the lexer does not recognise: a function
 *       that wraps them, a different search_path, an operator, {@code regproc} look-ups;</li>
 *   <li>temporary objects created without the TEMP keyword ({@code CREATE TABLE pg_temp.t},
 *       a view over a temporary table), and CREATE TEMP ... or SELECT INTO TEMP behind
 *       {@code EXPLAIN ANALYZE} or a {@code WITH} clause;</li>
 *   <li>other per-backend state that transaction pooling cannot carry either, such as
 *       {@code currval}/{@code lastval}, {@code setseed}, {@code LOAD};</li>
 *   <li>{@code standard_conforming_strings = off}: the lexer assumes it is on (PostgreSQL's
 *       default since 9.1), so a backslash in a plain {@code '...'} string escapes nothing.</li>
 * </ul>
 */
public final class SessionSql {
    /** A statement starting with LISTEN. */
    public static final int LISTEN = 1;
    /** A statement starting with PREPARE (a SQL-level prepared statement; not PREPARE TRANSACTION). */
    public static final int SQL_PREPARE = 2;
    /** DECLARE ... WITH HOLD ... FOR: a cursor that outlives its transaction. */
    public static final int HOLD_CURSOR = 4;
    /** A call of a session-level advisory lock function (not the {@code _xact_} ones). */
    public static final int ADVISORY_LOCK = 8;
    /** CREATE TEMP ... without ON COMMIT DROP, or SELECT ... INTO TEMP. */
    public static final int TEMP_TABLE = 16;
    /** Every flag for state that a statement creates and that cannot survive transaction pooling. */
    public static final int CREATES_MASK = LISTEN | SQL_PREPARE | HOLD_CURSOR | ADVISORY_LOCK | TEMP_TABLE;
    /** Anything that may change or remove session state; implied by every flag in {@link #CREATES_MASK}. */
    public static final int SESSION_CHANGE = 32;

    /** PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated to this many bytes. */
    private static final int MAX_IDENTIFIER_BYTES = 63;

    // Token kinds.
    private static final int T_WORD = 0;
    private static final int T_QUOTED_IDENT = 1;
    private static final int T_STRING = 2;
    private static final int T_SEMICOLON = 3;
    private static final int T_OPEN_PAREN = 4;
    private static final int T_DOT = 5;
    private static final int T_OTHER = 6;

    // What the current statement is, as far as it matters.
    private static final int S_START = 0;    // no token yet
    private static final int S_OTHER = 1;    // nothing more to learn from its keywords
    private static final int S_CREATE = 2;
    private static final int S_DECLARE = 3;
    private static final int S_SELECT = 4;
    private static final int S_PREPARE = 5;
    private static final int S_SESSION = 6;  // a leading keyword that only means SESSION_CHANGE (returned by leadingKeyword)
    private static final int S_LISTEN = 7;   // (returned by leadingKeyword)

    // S_CREATE progress.
    private static final int CREATE_MODIFIERS = 0; // after CREATE, OR REPLACE, GLOBAL or LOCAL
    private static final int CREATE_OR = 1;        // after CREATE OR
    private static final int CREATE_TEMP = 2;      // after TEMP or TEMPORARY: watch for ON COMMIT DROP
    // S_PREPARE progress.
    private static final int PREPARE_NAME = 0;        // after PREPARE
    private static final int PREPARE_TRANSACTION = 1; // after PREPARE TRANSACTION: 2PC unless AS or ( follows
    // S_SELECT progress: 0, or
    private static final int SELECT_INTO = 1;      // right after INTO
    private static final int SELECT_INTO_TEMP = 2; // right after INTO TEMP or INTO TEMPORARY
    // S_DECLARE progress: 0, or 1 right after WITH.

    // What the previous token was, for schema-qualified function names.
    private static final int P_OTHER = 0;
    private static final int P_PG_CATALOG = 1;     // the identifier pg_catalog
    private static final int P_CATALOG_DOT = 2;    // pg_catalog followed by a dot
    private static final int P_DOT = 3;            // any other dot: a name qualified by another schema

    /** {@link #callFlags} result for the identifier pg_catalog. */
    private static final int NAME_PG_CATALOG = -1;

    private static final byte[] SET = ascii("set");
    private static final byte[] DROP = ascii("drop");
    private static final byte[] RESET = ascii("reset");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] LISTEN_ = ascii("listen");
    private static final byte[] CREATE = ascii("create");
    private static final byte[] SELECT = ascii("select");
    private static final byte[] DISCARD = ascii("discard");
    private static final byte[] PREPARE = ascii("prepare");
    private static final byte[] DECLARE = ascii("declare");
    private static final byte[] UNLISTEN = ascii("unlisten");
    private static final byte[] DEALLOCATE = ascii("deallocate");

    private static final byte[] OR = ascii("or");
    private static final byte[] REPLACE = ascii("replace");
    private static final byte[] GLOBAL = ascii("global");
    private static final byte[] LOCAL = ascii("local");
    private static final byte[] TEMP = ascii("temp");
    private static final byte[] TEMPORARY = ascii("temporary");
    private static final byte[] ON = ascii("on");
    private static final byte[] COMMIT = ascii("commit");
    private static final byte[] WITH = ascii("with");
    private static final byte[] HOLD = ascii("hold");
    private static final byte[] FOR = ascii("for");
    private static final byte[] INTO = ascii("into");
    private static final byte[] TRANSACTION = ascii("transaction");
    private static final byte[] AS = ascii("as");
    private static final byte[] ALL = ascii("all");

    /** Reserved words that may follow SELECT ... INTO name, when the name is temp or temporary. */
    private static final byte[][] CLAUSES_AFTER_INTO = {
            ascii("from"), ascii("where"), ascii("group"), ascii("having"), ascii("window"),
            ascii("union"), ascii("intersect"), ascii("except"), ascii("order"), ascii("limit"),
            ascii("offset"), ascii("fetch"), ascii("for")};

    private static final byte[] PG_CATALOG = ascii("pg_catalog");
    private static final byte[] SET_CONFIG = ascii("set_config");
    private static final byte[] PG_ADVISORY_LOCK = ascii("pg_advisory_lock");
    private static final byte[] PG_ADVISORY_UNLOCK = ascii("pg_advisory_unlock");
    private static final byte[] PG_TRY_ADVISORY_LOCK = ascii("pg_try_advisory_lock");
    private static final byte[] PG_ADVISORY_UNLOCK_ALL = ascii("pg_advisory_unlock_all");
    private static final byte[] PG_ADVISORY_LOCK_SHARED = ascii("pg_advisory_lock_shared");
    private static final byte[] PG_ADVISORY_UNLOCK_SHARED = ascii("pg_advisory_unlock_shared");
    private static final byte[] PG_TRY_ADVISORY_LOCK_SHARED = ascii("pg_try_advisory_lock_shared");

    private SessionSql() {
    }

    /**
     * Flags for the SQL text in {@code buf[from, to)}, UTF-8 without the message's terminating
     * zero byte: a combination of the {@link #CREATES_MASK} flags and {@link #SESSION_CHANGE},
     * or 0. Reader and writer indexes are neither used nor changed. Malformed text (an
     * unterminated string, identifier or comment) ends at {@code to}.
     */
    public static int scan(ByteBuf buf, int from, int to) {
        int flags = 0;
        int statement = S_START;
        int progress = 0;
        int onCommitDrop = 0;      // how many of ON COMMIT DROP were just seen, in S_CREATE/CREATE_TEMP
        int previous = P_OTHER;
        int pendingCall = 0;       // flags of a function name, if the next token is "("
        int i = skipTrivia(buf, from, to);
        while (i < to) {
            int end = tokenEnd(buf, i, to);
            int kind = kind(buf, i, end);

            if (pendingCall != 0) {
                if (kind == T_OPEN_PAREN) {
                    flags |= pendingCall;
                }
                pendingCall = 0;
            }
            if (kind == T_SEMICOLON) {
                flags |= endOfStatement(statement, progress);
                statement = S_START;
                previous = P_OTHER;
                i = skipTrivia(buf, end, to);
                continue;
            }

            switch (statement) {
                case S_START -> {
                    statement = kind == T_WORD ? leadingKeyword(buf, i, end) : S_OTHER;
                    progress = 0;
                    onCommitDrop = 0;
                    switch (statement) {
                        case S_SESSION -> {
                            flags |= SESSION_CHANGE;
                            statement = S_OTHER;
                        }
                        case S_LISTEN -> {
                            flags |= LISTEN | SESSION_CHANGE;
                            statement = S_OTHER;
                        }
                        case S_PREPARE, S_DECLARE -> flags |= SESSION_CHANGE;
                        default -> {
                        }
                    }
                }
                case S_CREATE -> {
                    if (progress == CREATE_TEMP) {
                        // The temporary object lives on unless this is ON COMMIT DROP.
                        if (kind != T_WORD) {
                            onCommitDrop = 0;
                        } else if (onCommitDrop == 1 && is(buf, i, end, COMMIT)) {
                            onCommitDrop = 2;
                        } else if (onCommitDrop == 2 && is(buf, i, end, DROP)) {
                            statement = S_OTHER;
                        } else {
                            onCommitDrop = is(buf, i, end, ON) ? 1 : 0;
                        }
                    } else if (kind != T_WORD) {
                        statement = S_OTHER;
                    } else if (progress == CREATE_OR) {
                        if (is(buf, i, end, REPLACE)) {
                            progress = CREATE_MODIFIERS;
                        } else {
                            statement = S_OTHER;
                        }
                    } else if (is(buf, i, end, TEMP) || is(buf, i, end, TEMPORARY)) {
                        flags |= SESSION_CHANGE;
                        progress = CREATE_TEMP;
                    } else if (is(buf, i, end, OR)) {
                        progress = CREATE_OR;
                    } else if (!is(buf, i, end, GLOBAL) && !is(buf, i, end, LOCAL)) {
                        statement = S_OTHER;
                    }
                }
                case S_DECLARE -> {
                    // DECLARE name [options] CURSOR [WITH HOLD | WITHOUT HOLD] FOR query
                    if (kind != T_WORD) {
                        progress = 0;
                    } else if (progress == 1 && is(buf, i, end, HOLD)) {
                        flags |= HOLD_CURSOR;
                        statement = S_OTHER;
                    } else if (is(buf, i, end, FOR)) {
                        statement = S_OTHER;
                    } else {
                        progress = is(buf, i, end, WITH) ? 1 : 0;
                    }
                }
                case S_SELECT -> {
                    // SELECT ... INTO [TEMP | TEMPORARY] [TABLE] name
                    if (progress == SELECT_INTO_TEMP) {
                        // "INTO temp FROM", "INTO temp;", "INTO temp.t": a table named temp.
                        if (kind == T_QUOTED_IDENT || (kind == T_WORD && !isClauseAfterInto(buf, i, end))) {
                            flags |= TEMP_TABLE | SESSION_CHANGE;
                        }
                        statement = S_OTHER;
                    } else if (kind != T_WORD) {
                        progress = 0;
                    } else if (progress == SELECT_INTO && (is(buf, i, end, TEMP) || is(buf, i, end, TEMPORARY))) {
                        progress = SELECT_INTO_TEMP;
                    } else {
                        progress = is(buf, i, end, INTO) ? SELECT_INTO : 0;
                    }
                }
                case S_PREPARE -> {
                    if (progress == PREPARE_NAME && kind == T_WORD && is(buf, i, end, TRANSACTION)) {
                        progress = PREPARE_TRANSACTION;
                    } else {
                        // PREPARE TRANSACTION 'gid' ends a two-phase transaction and leaves
                        // nothing behind; a statement may still be named "transaction".
                        if (progress == PREPARE_NAME || kind == T_OPEN_PAREN
                                || (kind == T_WORD && is(buf, i, end, AS))) {
                            flags |= SQL_PREPARE;
                        }
                        statement = S_OTHER;
                    }
                }
                default -> {
                }
            }

            if (kind == T_WORD || kind == T_QUOTED_IDENT) {
                int name = kind == T_WORD
                        ? callFlags(buf, i, end, false)
                        : callFlags(buf, i + 1, end - 1, true);
                if (name == NAME_PG_CATALOG) {
                    previous = P_PG_CATALOG;
                } else {
                    if (name != 0 && previous != P_DOT) {
                        pendingCall = name;
                    }
                    previous = P_OTHER;
                }
            } else if (kind == T_DOT) {
                previous = previous == P_PG_CATALOG ? P_CATALOG_DOT : P_DOT;
            } else {
                previous = P_OTHER;
            }
            i = skipTrivia(buf, end, to);
        }
        return flags | endOfStatement(statement, progress);
    }

    /** {@link #scan(ByteBuf, int, int)} of a string's UTF-8 encoding; for tests and tools. */
    public static int scan(String sql) {
        ByteBuf buf = Unpooled.wrappedBuffer(sql.getBytes(StandardCharsets.UTF_8));
        return scan(buf, 0, buf.writerIndex());
    }

    /** Human name of one {@link #CREATES_MASK} flag, for error messages. */
    public static String featureName(int flag) {
        return switch (flag) {
            case LISTEN -> "LISTEN";
            case SQL_PREPARE -> "PREPARE";
            case HOLD_CURSOR -> "WITH HOLD cursors";
            case ADVISORY_LOCK -> "session-level advisory locks";
            case TEMP_TABLE -> "temporary tables";
            default -> throw new IllegalArgumentException("not a single CREATES_MASK flag: " + flag);
        };
    }

    /**
     * If the whole text is exactly one statement {@code DEALLOCATE [PREPARE] name} (then only
     * semicolons, whitespace and comments), the name as PostgreSQL resolves it: an unquoted
     * identifier with ASCII letters lower-cased, a quoted one verbatim with {@code ""} undoubled,
     * either truncated to 63 bytes as PostgreSQL truncates identifiers. Null for
     * {@code DEALLOCATE ALL}, for several statements, and for anything else.
     */
    public static String deallocateName(ByteBuf buf, int from, int to) {
        int i = skipTrivia(buf, from, to);
        if (!isWordToken(buf, i, to, DEALLOCATE)) {
            return null;
        }
        i = skipTrivia(buf, i + DEALLOCATE.length, to);
        if (i >= to) {
            return null;
        }
        int end = tokenEnd(buf, i, to);
        if (kind(buf, i, end) == T_WORD && is(buf, i, end, PREPARE)) {
            int next = skipTrivia(buf, end, to);
            if (next < to && buf.getByte(next) != ';') {
                i = next;
                end = tokenEnd(buf, i, to);
            } // else "DEALLOCATE prepare": a statement named prepare
        }
        if (!onlySemicolonsFrom(buf, end, to)) {
            return null;
        }
        int kind = kind(buf, i, end);
        if (kind == T_WORD) {
            return is(buf, i, end, ALL) ? null : unquotedName(buf, i, end);
        }
        return kind == T_QUOTED_IDENT ? quotedName(buf, i, end) : null;
    }

    /**
     * True if the text is exactly one statement {@code DEALLOCATE [PREPARE] ALL} or
     * {@code DISCARD ALL} (then only semicolons, whitespace and comments): the client drops all
     * its prepared statements.
     */
    public static boolean dropsAllPrepared(ByteBuf buf, int from, int to) {
        int i = skipTrivia(buf, from, to);
        if (isWordToken(buf, i, to, DISCARD)) {
            i = skipTrivia(buf, i + DISCARD.length, to);
        } else if (isWordToken(buf, i, to, DEALLOCATE)) {
            i = skipTrivia(buf, i + DEALLOCATE.length, to);
            if (isWordToken(buf, i, to, PREPARE)) {
                i = skipTrivia(buf, i + PREPARE.length, to);
            }
        } else {
            return false;
        }
        return isWordToken(buf, i, to, ALL) && onlySemicolonsFrom(buf, i + ALL.length, to);
    }

    /** The flags a statement earns at its end, from what its keywords said. */
    private static int endOfStatement(int statement, int progress) {
        if (statement == S_CREATE && progress == CREATE_TEMP) {
            return TEMP_TABLE | SESSION_CHANGE; // no ON COMMIT DROP
        }
        if (statement == S_PREPARE) {
            return SQL_PREPARE | SESSION_CHANGE; // PREPARE, or PREPARE TRANSACTION, with nothing after
        }
        return 0;
    }

    /** The statement kind for a statement's first word. */
    private static int leadingKeyword(ByteBuf buf, int start, int end) {
        return switch (end - start) {
            case 3 -> is(buf, start, end, SET) ? S_SESSION : S_OTHER;
            case 4 -> is(buf, start, end, DROP) ? S_SESSION : S_OTHER;
            case 5 -> is(buf, start, end, RESET) || is(buf, start, end, CLOSE) ? S_SESSION : S_OTHER;
            case 6 -> switch (buf.getByte(start) | 0x20) {
                case 'l' -> is(buf, start, end, LISTEN_) ? S_LISTEN : S_OTHER;
                case 'c' -> is(buf, start, end, CREATE) ? S_CREATE : S_OTHER;
                case 's' -> is(buf, start, end, SELECT) ? S_SELECT : S_OTHER;
                default -> S_OTHER;
            };
            case 7 -> switch (buf.getByte(start) | 0x20) {
                case 'p' -> is(buf, start, end, PREPARE) ? S_PREPARE : S_OTHER;
                case 'd' -> is(buf, start, end, DECLARE) ? S_DECLARE
                        : is(buf, start, end, DISCARD) ? S_SESSION : S_OTHER;
                default -> S_OTHER;
            };
            case 8 -> is(buf, start, end, UNLISTEN) ? S_SESSION : S_OTHER;
            case 10 -> is(buf, start, end, DEALLOCATE) ? S_SESSION : S_OTHER;
            default -> S_OTHER;
        };
    }

    /** True if the word is a clause keyword that can follow SELECT ... INTO name. */
    private static boolean isClauseAfterInto(ByteBuf buf, int start, int end) {
        for (byte[] keyword : CLAUSES_AFTER_INTO) {
            if (is(buf, start, end, keyword)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Flags for a call of the function named by {@code buf[start, end)}, {@link #NAME_PG_CATALOG}
     * for the schema pg_catalog, else 0. Unquoted names compare case-insensitively, quoted ones
     * exactly. Every name has a different length, so one comparison decides.
     */
    private static int callFlags(ByteBuf buf, int start, int end, boolean exact) {
        return switch (end - start) {
            case 10 -> equal(buf, start, end, SET_CONFIG, exact) ? SESSION_CHANGE
                    : equal(buf, start, end, PG_CATALOG, exact) ? NAME_PG_CATALOG : 0;
            case 16 -> equal(buf, start, end, PG_ADVISORY_LOCK, exact) ? ADVISORY_LOCK | SESSION_CHANGE : 0;
            case 18 -> equal(buf, start, end, PG_ADVISORY_UNLOCK, exact) ? SESSION_CHANGE : 0;
            case 20 -> equal(buf, start, end, PG_TRY_ADVISORY_LOCK, exact) ? ADVISORY_LOCK | SESSION_CHANGE : 0;
            case 22 -> equal(buf, start, end, PG_ADVISORY_UNLOCK_ALL, exact) ? SESSION_CHANGE : 0;
            case 23 -> equal(buf, start, end, PG_ADVISORY_LOCK_SHARED, exact) ? ADVISORY_LOCK | SESSION_CHANGE : 0;
            case 25 -> equal(buf, start, end, PG_ADVISORY_UNLOCK_SHARED, exact) ? SESSION_CHANGE : 0;
            case 27 -> equal(buf, start, end, PG_TRY_ADVISORY_LOCK_SHARED, exact) ? ADVISORY_LOCK | SESSION_CHANGE : 0;
            default -> 0;
        };
    }

    // ---- The lexer ----

    /** The start of the next token at or after {@code i}, past whitespace and comments; or {@code to}. */
    private static int skipTrivia(ByteBuf buf, int i, int to) {
        while (i < to) {
            byte c = buf.getByte(i);
            if (c == ' ' || (c >= '\t' && c <= '\r')) {
                i++;
            } else if (c == '-' && i + 1 < to && buf.getByte(i + 1) == '-') {
                i += 2;
                while (i < to && (c = buf.getByte(i)) != '\n' && c != '\r') {
                    i++;
                }
            } else if (c == '/' && i + 1 < to && buf.getByte(i + 1) == '*') {
                i = blockCommentEnd(buf, i + 2, to);
            } else {
                return i;
            }
        }
        return to;
    }

    /** The end of a block comment whose opening was just before {@code i}; comments nest. */
    private static int blockCommentEnd(ByteBuf buf, int i, int to) {
        int depth = 1;
        while (i + 1 < to) {
            byte c = buf.getByte(i);
            if (c == '*' && buf.getByte(i + 1) == '/') {
                i += 2;
                if (--depth == 0) {
                    return i;
                }
            } else if (c == '/' && buf.getByte(i + 1) == '*') {
                i += 2;
                depth++;
            } else {
                i++;
            }
        }
        return to;
    }

    /** The end of the token that starts at {@code i} (not whitespace or a comment). */
    private static int tokenEnd(ByteBuf buf, int i, int to) {
        byte c = buf.getByte(i);
        if (isIdentifierStart(c)) {
            if ((c == 'e' || c == 'E') && i + 1 < to && buf.getByte(i + 1) == '\'') {
                return escapeStringEnd(buf, i + 2, to);
            }
            i++;
            while (i < to && isIdentifierPart(buf.getByte(i))) {
                i++;
            }
            return i;
        }
        switch (c) {
            case '\'':
                return quotedEnd(buf, i + 1, to, (byte) '\'');
            case '"':
                return quotedEnd(buf, i + 1, to, (byte) '"');
            case '$':
                return dollarEnd(buf, i, to);
            default:
                if (isDigit(c)) {
                    i++;
                    while (i < to && isDigit(buf.getByte(i))) {
                        i++;
                    }
                    return i;
                }
                return i + 1; // an operator or punctuation character
        }
    }

    /** The kind of the token {@code buf[start, end)}, from its first bytes. */
    private static int kind(ByteBuf buf, int start, int end) {
        byte c = buf.getByte(start);
        if (isIdentifierStart(c)) {
            return (c == 'e' || c == 'E') && end - start > 1 && buf.getByte(start + 1) == '\'' ? T_STRING : T_WORD;
        }
        return switch (c) {
            case '"' -> T_QUOTED_IDENT;
            case '\'' -> T_STRING;
            case ';' -> T_SEMICOLON;
            case '(' -> T_OPEN_PAREN;
            case '.' -> T_DOT;
            // $tag$...$tag$ is a string; $ alone and $1 (a parameter) are not
            case '$' -> end - start > 1 && !isDigit(buf.getByte(start + 1)) ? T_STRING : T_OTHER;
            default -> T_OTHER;
        };
    }

    /** The end of a '...' string or "..." identifier after its opening quote; a doubled quote stays inside. */
    private static int quotedEnd(ByteBuf buf, int i, int to, byte quote) {
        while (i < to) {
            int q = buf.indexOf(i, to, quote);
            if (q < 0) {
                return to;
            }
            if (q + 1 < to && buf.getByte(q + 1) == quote) {
                i = q + 2;
            } else {
                return q + 1;
            }
        }
        return to;
    }

    /** The end of an E'...' string after its opening quote: a backslash escapes the next byte. */
    private static int escapeStringEnd(ByteBuf buf, int i, int to) {
        while (i < to) {
            byte c = buf.getByte(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < to && buf.getByte(i + 1) == '\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return to;
    }

    /**
     * The end of what starts with the '$' at {@code start}: a parameter ($1), a dollar-quoted
     * string ($$...$$, $tag$...$tag$), or just the '$'.
     */
    private static int dollarEnd(ByteBuf buf, int start, int to) {
        int i = start + 1;
        if (i < to && isDigit(buf.getByte(i))) {
            do {
                i++;
            } while (i < to && isDigit(buf.getByte(i)));
            return i;
        }
        while (i < to && isTagPart(buf.getByte(i))) {
            i++;
        }
        if (i >= to || buf.getByte(i) != '$') {
            return start + 1; // not a dollar quote
        }
        int delimiterLength = i + 1 - start;
        i++;
        while (i < to) {
            int d = buf.indexOf(i, to, (byte) '$');
            if (d < 0 || d + delimiterLength > to) {
                return to;
            }
            if (sameBytes(buf, d, start, delimiterLength)) {
                return d + delimiterLength;
            }
            i = d + 1;
        }
        return to;
    }

    private static boolean sameBytes(ByteBuf buf, int a, int b, int length) {
        for (int k = 0; k < length; k++) {
            if (buf.getByte(a + k) != buf.getByte(b + k)) {
                return false;
            }
        }
        return true;
    }

    /** Identifier characters as PostgreSQL's lexer has them: ASCII letters, '_', any non-ASCII byte. */
    private static boolean isIdentifierStart(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c < 0;
    }

    private static boolean isIdentifierPart(byte c) {
        return isIdentifierStart(c) || isDigit(c) || c == '$';
    }

    /** Dollar-quote tag characters: like an identifier's, without '$'. */
    private static boolean isTagPart(byte c) {
        return isIdentifierStart(c) || isDigit(c);
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    // ---- Comparisons ----

    /** True if the unquoted word {@code buf[start, end)} is the lower-case ASCII {@code keyword}, in any case. */
    private static boolean is(ByteBuf buf, int start, int end, byte[] keyword) {
        return equal(buf, start, end, keyword, false);
    }

    private static boolean equal(ByteBuf buf, int start, int end, byte[] lower, boolean exact) {
        if (end - start != lower.length) {
            return false;
        }
        for (int k = 0; k < lower.length; k++) {
            byte c = buf.getByte(start + k);
            if (!exact && c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower[k]) {
                return false;
            }
        }
        return true;
    }

    /** True if the token at {@code i} is the unquoted word {@code keyword}. */
    private static boolean isWordToken(ByteBuf buf, int i, int to, byte[] keyword) {
        if (i >= to) {
            return false;
        }
        int end = tokenEnd(buf, i, to);
        return kind(buf, i, end) == T_WORD && is(buf, i, end, keyword);
    }

    /** True if only semicolons, whitespace and comments follow {@code i}. */
    private static boolean onlySemicolonsFrom(ByteBuf buf, int i, int to) {
        i = skipTrivia(buf, i, to);
        while (i < to && buf.getByte(i) == ';') {
            i = skipTrivia(buf, i + 1, to);
        }
        return i >= to;
    }

    // ---- Names ----

    /** An unquoted identifier as PostgreSQL folds it: ASCII letters lower-cased (UTF-8 is multi-byte). */
    private static String unquotedName(ByteBuf buf, int start, int end) {
        byte[] name = new byte[end - start];
        for (int k = 0; k < name.length; k++) {
            byte c = buf.getByte(start + k);
            name[k] = c >= 'A' && c <= 'Z' ? (byte) (c + ('a' - 'A')) : c;
        }
        return truncated(name, name.length);
    }

    /** A "quoted identifier" with "" undoubled; null if unterminated or empty, as PostgreSQL refuses it. */
    private static String quotedName(ByteBuf buf, int start, int end) {
        byte[] name = new byte[end - start];
        int length = 0;
        int i = start + 1;
        while (i < end) {
            byte c = buf.getByte(i);
            if (c == '"') {
                if (i + 1 < end && buf.getByte(i + 1) == '"') {
                    i++;
                } else {
                    return i + 1 == end && length > 0 ? truncated(name, length) : null;
                }
            }
            name[length++] = c;
            i++;
        }
        return null; // unterminated
    }

    /** PostgreSQL truncates identifiers to 63 bytes, never inside a character. */
    private static String truncated(byte[] name, int length) {
        if (length > MAX_IDENTIFIER_BYTES) {
            length = MAX_IDENTIFIER_BYTES;
            while (length > 0 && (name[length] & 0xC0) == 0x80) {
                length--;
            }
        }
        return new String(name, 0, length, StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String keyword) {
        return keyword.getBytes(StandardCharsets.US_ASCII);
    }
}
