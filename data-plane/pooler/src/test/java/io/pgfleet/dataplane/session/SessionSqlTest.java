package io.pgfleet.dataplane.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static io.pgfleet.dataplane.session.SessionSql.ADVISORY_LOCK;
import static io.pgfleet.dataplane.session.SessionSql.CREATES_MASK;
import static io.pgfleet.dataplane.session.SessionSql.HOLD_CURSOR;
import static io.pgfleet.dataplane.session.SessionSql.LISTEN;
import static io.pgfleet.dataplane.session.SessionSql.SESSION_CHANGE;
import static io.pgfleet.dataplane.session.SessionSql.SQL_PREPARE;
import static io.pgfleet.dataplane.session.SessionSql.TEMP_TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionSqlTest {
    /** Asserts the exact flags of every statement text; the text names a failure. */
    private static void assertFlags(int expected, String... sqls) {
        for (String sql : sqls) {
            assertThat(SessionSql.scan(sql)).as(sql).isEqualTo(expected);
        }
    }

    private static ByteBuf utf8(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String deallocateName(String sql) {
        ByteBuf buf = utf8(sql);
        return SessionSql.deallocateName(buf, 0, buf.writerIndex());
    }

    private static boolean dropsAllPrepared(String sql) {
        ByteBuf buf = utf8(sql);
        return SessionSql.dropsAllPrepared(buf, 0, buf.writerIndex());
    }

    @Test
    void flagValuesAreDistinctBitsAndTheMaskCoversTheCreatingOnes() {
        assertThat(List.of(LISTEN, SQL_PREPARE, HOLD_CURSOR, ADVISORY_LOCK, TEMP_TABLE, SESSION_CHANGE))
                .containsExactly(1, 2, 4, 8, 16, 32);
        assertThat(CREATES_MASK).isEqualTo(31);
    }

    @Test
    void ordinaryStatementsHaveNoFlags() {
        assertFlags(0,
                "",
                "   ",
                ";;",
                "SELECT 1",
                "select * from t where a = $1",
                "INSERT INTO t VALUES (1, 'x')",
                "UPDATE t SET a = 1",               // SET, but not leading
                "ALTER TABLE t DROP COLUMN c",      // DROP, but not leading
                "BEGIN; SELECT 1; COMMIT",
                "SHOW search_path",
                "EXECUTE s(1)",
                "NOTIFY listen",
                "SELECT listen, prepare, declare FROM t",
                "CREATE TABLE t (a int)",
                "CREATE OR REPLACE VIEW v AS SELECT 1",
                "CREATE UNLOGGED TABLE t (a int)",
                "(SELECT 1)",
                "VALUES (1)");
    }

    // ---- LISTEN ----

    @Test
    void listenIsFoundAtTheStartOfAnyStatement() {
        assertFlags(LISTEN | SESSION_CHANGE,
                "LISTEN chan",
                "listen chan",
                "LiStEn chan;",
                "  \t\n\r\fLISTEN chan",
                "/* comment */ LISTEN chan",
                "-- comment\nLISTEN chan",
                "-- comment\rLISTEN chan",
                "/* a /* nested */ comment */LISTEN chan",
                "LISTEN\"Chan\"",
                "SELECT 1; LISTEN x",
                "SELECT 1;LISTEN x;SELECT 2",
                "BEGIN; LISTEN x; COMMIT");
    }

    @Test
    void listenInsideLiteralsCommentsAndIdentifiersIsNotFound() {
        assertFlags(0,
                "SELECT 'LISTEN x'",
                "SELECT 'it''s; LISTEN x'",
                "SELECT E'it\\'s; LISTEN x'",
                "SELECT e'\\\\'';LISTEN x'",           // \\ then '' : still inside the string
                "SELECT \"a;LISTEN x\"",
                "SELECT \"a\"\";LISTEN x\"",
                "SELECT 1 -- ; LISTEN x",
                "SELECT 1 /* ; LISTEN x */",
                "SELECT 1 /* /* nested */ ; LISTEN x */",
                "SELECT $$ ; LISTEN x $$",
                "SELECT $tag$ ; LISTEN x $tag$",
                "SELECT $a$ $b$ ; LISTEN x $b$ $a$",  // $b$ is text inside $a$...$a$
                "SELECT $a$ $A$ ; LISTEN x $a$",      // tags are case-sensitive
                "SELECT $x1$ ; LISTEN x $x1$",
                "SELECT $é$ ; LISTEN x $é$",
                "\"listen\" x",                        // a quoted identifier is not a keyword
                "LISTENER x",
                "LISTEN$ x",                           // $ continues an identifier
                "LISTENé x",                           // so does any non-ASCII character
                "NOTIFY x; SELECT 'a;LISTEN y'");
        assertThat(SessionSql.scan("UNLISTEN x")).isEqualTo(SESSION_CHANGE);
    }

    @Test
    void theLexerEndsEachLiteralWhereThePostgresLexerDoes() {
        // With standard_conforming_strings a backslash escapes nothing in '...': the string ends.
        assertFlags(LISTEN | SESSION_CHANGE,
                "SELECT 'a\\'; LISTEN x; -- '",
                "SELECT 'it''s'; LISTEN x",
                "SELECT E'it\\'s'; LISTEN x",
                "SELECT E'a\\\\'; LISTEN x",           // E'a\\' is a\ : the quote after it closes
                "SELECT \"a\"\"b\"; LISTEN x",
                "SELECT 1 /* a /* b */ c */; LISTEN x",
                "SELECT $$a$$; LISTEN x",
                "SELECT $t$a$$b$t$; LISTEN x",
                "SELECT a$$b; LISTEN x",              // an identifier, not a dollar quote
                "SELECT x$1; LISTEN x",
                "SELECT $1; LISTEN x",                // a parameter, not a dollar quote
                "SELECT $1$2; LISTEN x",              // $1 and $2: a tag cannot start with a digit
                "SELECT $12 + $3; LISTEN x",
                "SELECT 1 $ 2; LISTEN x",             // a lone $
                "SELECT be'x'; LISTEN x",             // only E directly before the quote escapes
                "SELECT 'é'; LISTEN x",
                "SELECT 1--comment\n;LISTEN x",
                "SELECT 1 -/**/- 1; LISTEN x");
    }

    // ---- PREPARE ----

    @Test
    void sqlPrepareIsFound() {
        assertFlags(SQL_PREPARE | SESSION_CHANGE,
                "PREPARE s AS SELECT 1",
                "prepare s(int) as select $1",
                "SELECT 1; Prepare s AS SELECT 2",
                "PREPARE \"transaction\" AS SELECT 1",
                "PREPARE transaction AS SELECT 1",   // a statement named transaction
                "PREPARE transaction (int) AS SELECT $1",
                "PREPARE");
        assertFlags(0,
                "SELECT 'PREPARE s AS SELECT 1'",
                "EXECUTE prepare",
                "\"prepare\" s AS SELECT 1");
    }

    @Test
    void prepareTransactionIsTwoPhaseCommitNotAPreparedStatement() {
        assertFlags(SESSION_CHANGE,
                "PREPARE TRANSACTION 'gid-1'",
                "prepare transaction E'gid\\'1'",
                "PREPARE TRANSACTION $$gid$$");
    }

    // ---- DECLARE ... WITH HOLD ----

    @Test
    void holdCursorIsFound() {
        assertFlags(HOLD_CURSOR | SESSION_CHANGE,
                "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
                "declare c binary insensitive no scroll cursor with hold for select 1",
                "DECLARE c CURSOR WITH /* comment */ HOLD\nFOR SELECT 1",
                "DECLARE hold CURSOR WITH HOLD FOR SELECT 1",
                "SELECT 1; DECLARE c CURSOR WITH HOLD FOR SELECT 1");
    }

    @Test
    void cursorsWithoutHoldOnlyChangeTheSession() {
        assertFlags(SESSION_CHANGE,
                "DECLARE c CURSOR FOR SELECT 1",
                "DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1",
                "DECLARE c CURSOR FOR WITH hold AS (SELECT 1) SELECT * FROM hold", // after FOR
                "DECLARE c CURSOR FOR SELECT 'WITH HOLD'",
                "DECLARE c CURSOR \"with\" HOLD FOR SELECT 1",
                "CLOSE c");
        assertFlags(0, "SELECT 1 WITH HOLD", "SELECT 'DECLARE c CURSOR WITH HOLD FOR SELECT 1'");
    }

    // ---- Advisory locks ----

    @Test
    void sessionLevelAdvisoryLockCallsAreFoundAnywhere() {
        assertFlags(ADVISORY_LOCK | SESSION_CHANGE,
                "SELECT pg_advisory_lock(1)",
                "SELECT pg_advisory_lock_shared(1, 2)",
                "SELECT pg_try_advisory_lock(1)",
                "SELECT pg_try_advisory_lock_shared(1)",
                "select PG_ADVISORY_LOCK(1)",
                "SELECT pg_advisory_lock ( 1 )",
                "SELECT pg_advisory_lock /* c */ -- c\n(1)",
                "SELECT pg_catalog.pg_advisory_lock(1)",
                "SELECT PG_CATALOG . pg_try_advisory_lock(1)",
                "SELECT pg_catalog/* c */.\npg_advisory_lock(1)",
                "SELECT \"pg_advisory_lock\"(1)",
                "SELECT \"pg_catalog\".\"pg_advisory_lock\"(1)",
                "SELECT pg_advisory_lock($1)",
                "SELECT * FROM t WHERE pg_try_advisory_lock(t.id)",
                "SELECT * FROM pg_advisory_lock(1)",
                "WITH x AS (SELECT pg_advisory_lock(1)) SELECT * FROM x",
                "EXPLAIN ANALYZE SELECT pg_advisory_lock(1)",
                "UPDATE t SET a = (SELECT pg_advisory_lock(1))",
                "SELECT 1; SELECT pg_advisory_lock(1)");
    }

    @Test
    void otherAdvisoryLockNamesAreNotSessionLocks() {
        assertFlags(0,
                "SELECT pg_advisory_xact_lock(1)",
                "SELECT pg_advisory_xact_lock_shared(1)",
                "SELECT pg_try_advisory_xact_lock(1)",
                "SELECT pg_try_advisory_xact_lock_shared(1)",
                "SELECT my_pg_advisory_lock_x(1)",
                "SELECT pg_advisory_lock_x(1)",
                "SELECT my_pg_advisory_lock(1)",
                "SELECT pg_advisory_lock$(1)",
                "SELECT myschema.pg_advisory_lock(1)",
                "SELECT \"myschema\".pg_advisory_lock(1)",
                "SELECT \"PG_ADVISORY_LOCK\"(1)",     // quoted names are case-sensitive
                "SELECT pg_advisory_lock FROM t",     // a column, not a call
                "SELECT pg_advisory_lock",
                "SELECT 'pg_advisory_lock(1)'",
                "SELECT E'\\'pg_advisory_lock(1)'",
                "SELECT $$ pg_advisory_lock(1) $$",
                "SELECT $fn$ pg_advisory_lock(1) $fn$",
                "SELECT 1 -- pg_advisory_lock(1)",
                "SELECT 1 /* pg_advisory_lock(1) */",
                "SELECT \"pg_advisory_lock(1)\"");
    }

    @Test
    void unlockingAndSetConfigChangeTheSession() {
        assertFlags(SESSION_CHANGE,
                "SELECT pg_advisory_unlock(1)",
                "SELECT pg_advisory_unlock_shared(1)",
                "SELECT pg_advisory_unlock_all()",
                "SELECT pg_catalog.pg_advisory_unlock_all()",
                "SELECT set_config('search_path', 'x', false)",
                "select SET_CONFIG('a.b', 'c', true)",
                "SELECT pg_catalog.set_config('a.b', 'c', false)");
        assertFlags(0,
                "SELECT my.set_config('a', 'b', false)",
                "SELECT 'set_config(1)'",
                "SELECT set_configs('a')",
                "SELECT pg_advisory_unlock_allx()");
    }

    // ---- Temporary tables ----

    @Test
    void temporaryObjectsAreFound() {
        assertFlags(TEMP_TABLE | SESSION_CHANGE,
                "CREATE TEMP TABLE t (a int)",
                "create temporary table t (a int)",
                "CREATE GLOBAL TEMPORARY TABLE t (a int)",
                "CREATE LOCAL TEMP TABLE t (a int)",
                "CREATE TEMP TABLE t AS SELECT 1",
                "CREATE TEMP SEQUENCE s",
                "CREATE TEMP VIEW v AS SELECT 1",
                "CREATE OR REPLACE TEMP VIEW v AS SELECT 1",
                "create or replace temporary recursive view v (n) as select 1",
                "CREATE /* c */ TEMP -- c\n TABLE t (a int)",
                "CREATE TEMP TABLE t (a int) ON COMMIT DELETE ROWS",
                "CREATE TEMP TABLE t (a int) ON COMMIT PRESERVE ROWS",
                "SELECT 1; CREATE TEMP TABLE t (a int)",
                // ON COMMIT DROP only exempts its own statement
                "CREATE TEMP TABLE a (x int); CREATE TEMP TABLE b (x int) ON COMMIT DROP",
                "CREATE TEMP TABLE b (x int) ON COMMIT DROP; CREATE TEMP TABLE a (x int)",
                "CREATE TEMP TABLE a (x int); SELECT 'ON COMMIT DROP'",
                "CREATE TEMP TABLE a (x int) ON COMMIT /* DROP */ DELETE ROWS");
    }

    @Test
    void onCommitDropTemporaryTablesOnlyChangeTheSession() {
        assertFlags(SESSION_CHANGE,
                "CREATE TEMP TABLE t (a int) ON COMMIT DROP",
                "create temporary table t (a int) on commit drop;",
                "CREATE TEMP TABLE t ON /* c */ COMMIT\n-- c\nDROP AS SELECT 1",
                "CREATE TEMP TABLE t (a int) ON COMMIT DROP; SELECT 1");
    }

    @Test
    void tablesNamedTempAreNotTemporary() {
        assertFlags(0,
                "CREATE TABLE temp (a int)",
                "CREATE TABLE t (temp int)",
                "CREATE TABLE t (a int); SELECT 'CREATE TEMP TABLE'",
                "CREATE OR TEMP TABLE t",                // not OR REPLACE
                "CREATE \"temp\" TABLE t (a int)",
                "INSERT INTO temp VALUES (1)",
                "SELECT * FROM temp",
                "SELECT 1 INTO t",
                "SELECT 1 INTO UNLOGGED t",
                "SELECT 1 INTO temp FROM generate_series(1, 2)", // PostgreSQL creates a table named temp
                "SELECT 1 INTO temp",
                "SELECT 1 INTO temp.t",                          // schema temp
                "SELECT 1 INTO TABLE temp",
                "SELECT 'INTO TEMP t'",
                "SELECT 1 \"into\" TEMP t");
    }

    @Test
    void selectIntoTempIsFound() {
        assertFlags(TEMP_TABLE | SESSION_CHANGE,
                "SELECT 1 AS a INTO TEMP t",
                "select * into temporary table t from x",
                "SELECT * INTO TEMP \"T\" FROM x",
                "SELECT * INTO /* c */ TEMP t FROM x",
                "SELECT a, b INTO TEMP TABLE t FROM x WHERE a > 1");
    }

    // ---- Leading keywords that change the session ----

    @Test
    void sessionChangingStatementsAreFound() {
        assertFlags(SESSION_CHANGE,
                "SET search_path = x",
                "set local statement_timeout = 0",
                "RESET ALL",
                "DISCARD ALL",
                "discard temp",
                "UNLISTEN *",
                "DEALLOCATE s",
                "deallocate all",
                "CLOSE c",
                "DROP TABLE t",
                "SELECT 1; SET a.b = 1",
                "/* c */ Reset role");
        assertFlags(0,
                "\"set\" x = 1",
                "SETTING x",
                "SELECT 'SET x = 1'",
                "SELECT 1 -- ; SET x = 1");
    }

    @Test
    void everyCreatedStateImpliesSessionChangeAndFlagsCombine() {
        for (String sql : List.of("LISTEN x", "PREPARE p AS SELECT 1", "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
                "SELECT pg_advisory_lock(1)", "CREATE TEMP TABLE t (a int)", "SELECT 1 INTO TEMP t")) {
            int flags = SessionSql.scan(sql);
            assertThat(flags & CREATES_MASK).as(sql).isNotZero();
            assertThat(flags & SESSION_CHANGE).as(sql).isEqualTo(SESSION_CHANGE);
        }
        assertFlags(LISTEN | SQL_PREPARE | HOLD_CURSOR | ADVISORY_LOCK | TEMP_TABLE | SESSION_CHANGE,
                "LISTEN a; PREPARE p AS SELECT 1; DECLARE c CURSOR WITH HOLD FOR SELECT 1;"
                        + " SELECT pg_advisory_lock(1); CREATE TEMP TABLE t (a int)");
        assertFlags(LISTEN | ADVISORY_LOCK | SESSION_CHANGE, "LISTEN a; SELECT pg_advisory_lock(1)");
    }

    // ---- Malformed input ----

    @Test
    void unterminatedInputEndsTheScan() {
        assertFlags(0,
                "SELECT 'abc",
                "SELECT 'abc''",
                "SELECT \"abc",
                "SELECT \"abc\"\"",
                "SELECT E'abc\\'",
                "SELECT E'abc\\",
                "SELECT 1 /* unterminated",
                "SELECT 1 /* a /* nested */ still open",
                "SELECT 1 /*/",
                "SELECT $$abc",
                "SELECT $tag$ abc $tag",
                "SELECT $tag",
                "SELECT 1 -- no newline",
                "'", "\"", "E'", "e", "$", "$$", "$a", "$1", "/*", "/", "-", "--", ";", "(", ".");
        assertFlags(LISTEN | SESSION_CHANGE,
                "LISTEN x; SELECT 'abc",
                "LISTEN x; SELECT $$ abc",
                "LISTEN x; /* abc");
        assertFlags(TEMP_TABLE | SESSION_CHANGE, "CREATE TEMP TABLE t (a text DEFAULT 'x");
    }

    @Test
    void everyPrefixAndRandomBytesScanWithoutFailing() {
        String sql = "/* a /* b */ */ SELECT E'x\\'y', 'it''s', \"q\"\"i\", $t$ $$ $t$, $1, a$b"
                + " -- c\n; CREATE TEMP TABLE t (a int) ON COMMIT DROP; DECLARE c CURSOR WITH HOLD FOR SELECT 1;"
                + " SELECT pg_catalog.pg_advisory_lock(1) INTO TEMP x; DEALLOCATE PREPARE \"S_1\";";
        ByteBuf buf = utf8(sql);
        for (int to = 0; to <= buf.writerIndex(); to++) {
            SessionSql.scan(buf, 0, to);
            SessionSql.deallocateName(buf, 0, to);
            SessionSql.dropsAllPrepared(buf, 0, to);
        }
        for (int from = 0; from <= buf.writerIndex(); from++) {
            SessionSql.scan(buf, from, buf.writerIndex());
        }
        assertThat(SessionSql.scan(buf, 0, buf.writerIndex()))
                .isEqualTo(HOLD_CURSOR | ADVISORY_LOCK | TEMP_TABLE | SESSION_CHANGE);

        byte[] alphabet = "'\"$/*-;\\eE().a1 \n_é".getBytes(StandardCharsets.UTF_8);
        Random random = new Random(42);
        for (int n = 0; n < 20_000; n++) {
            byte[] bytes = new byte[random.nextInt(24)];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = random.nextInt(8) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            ByteBuf junk = Unpooled.wrappedBuffer(bytes);
            SessionSql.scan(junk, 0, bytes.length);
            SessionSql.deallocateName(junk, 0, bytes.length);
            SessionSql.dropsAllPrepared(junk, 0, bytes.length);
        }
    }

    // ---- Buffer ranges ----

    @Test
    void scanLooksOnlyAtItsRangeAndLeavesTheIndexesAlone() {
        String around = "LISTEN before; ";
        String inside = "SELECT 'x'";
        ByteBuf buf = Unpooled.directBuffer();
        buf.writeCharSequence(around, StandardCharsets.UTF_8);
        int from = buf.writerIndex();
        buf.writeCharSequence(inside, StandardCharsets.UTF_8);
        int to = buf.writerIndex();
        buf.writeCharSequence("; LISTEN after", StandardCharsets.UTF_8);
        buf.readerIndex(3);
        try {
            assertThat(SessionSql.scan(buf, from, to)).isZero();
            assertThat(SessionSql.scan(buf, 0, buf.writerIndex())).isEqualTo(LISTEN | SESSION_CHANGE);
            assertThat(SessionSql.scan(buf, to, buf.writerIndex())).isEqualTo(LISTEN | SESSION_CHANGE);
            assertThat(buf.readerIndex()).isEqualTo(3);
            assertThat(buf.writerIndex()).isEqualTo(to + "; LISTEN after".length());
        } finally {
            buf.release();
        }

        // The range ends a word, and a quote outside the range does not open a string.
        ByteBuf words = utf8("XLISTEN y'; SELECT 1");
        assertThat(SessionSql.scan(words, 0, 9)).isZero();
        assertThat(SessionSql.scan(words, 1, 9)).isEqualTo(LISTEN | SESSION_CHANGE);
        ByteBuf listener = utf8("'LISTENER");
        assertThat(SessionSql.scan(listener, 1, 7)).isEqualTo(LISTEN | SESSION_CHANGE);
        assertThat(SessionSql.scan(listener, 1, 9)).isZero();
        assertThat(SessionSql.scan(listener, 0, 9)).isZero();
        // A Query message: type, length, text, terminator.
        ByteBuf query = Unpooled.buffer().writeByte('Q').writeInt(4 + 17 + 1);
        query.writeCharSequence("SELECT 1;LISTEN x", StandardCharsets.UTF_8);
        query.writeByte(0);
        assertThat(SessionSql.scan(query, 5, query.writerIndex() - 1)).isEqualTo(LISTEN | SESSION_CHANGE);
    }

    // ---- featureName ----

    @Test
    void featureNamesForErrorMessages() {
        assertThat(SessionSql.featureName(LISTEN)).isEqualTo("LISTEN");
        assertThat(SessionSql.featureName(SQL_PREPARE)).isEqualTo("PREPARE");
        assertThat(SessionSql.featureName(HOLD_CURSOR)).isEqualTo("WITH HOLD cursors");
        assertThat(SessionSql.featureName(ADVISORY_LOCK)).isEqualTo("session-level advisory locks");
        assertThat(SessionSql.featureName(TEMP_TABLE)).isEqualTo("temporary tables");
        for (int notOneFlag : new int[]{0, SESSION_CHANGE, LISTEN | SQL_PREPARE, 64}) {
            assertThatThrownBy(() -> SessionSql.featureName(notOneFlag)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ---- deallocateName ----

    @Test
    void deallocateNameFoldsUnquotedAndKeepsQuotedNames() {
        assertThat(deallocateName("deallocate S_1")).isEqualTo("s_1");
        assertThat(deallocateName("DEALLOCATE PREPARE \"S_1\";")).isEqualTo("S_1");
        assertThat(deallocateName("DEALLOCATE \"a\"\"b\"")).isEqualTo("a\"b");
        assertThat(deallocateName("DEALLOCATE \"all\"")).isEqualTo("all");
        assertThat(deallocateName("DEALLOCATE \"with space;\"")).isEqualTo("with space;");
        assertThat(deallocateName("  /* c */ DeAllocate -- c\n Prepare\tMyStmt ; -- done\n ;")).isEqualTo("mystmt");
        assertThat(deallocateName("DEALLOCATE ÄBC")).isEqualTo("Äbc"); // only ASCII letters fold
        assertThat(deallocateName("DEALLOCATE a$1")).isEqualTo("a$1");
        // "prepare" alone is the name, as PostgreSQL parses it
        assertThat(deallocateName("DEALLOCATE prepare")).isEqualTo("prepare");
        assertThat(deallocateName("DEALLOCATE PREPARE;")).isEqualTo("prepare");
        assertThat(deallocateName("DEALLOCATE PREPARE prepare")).isEqualTo("prepare");
    }

    @Test
    void deallocateNameTruncatesAsPostgresDoes() {
        String seventy = "x".repeat(70);
        assertThat(deallocateName("DEALLOCATE " + seventy)).isEqualTo("x".repeat(63));
        assertThat(deallocateName("DEALLOCATE \"" + "Y".repeat(63) + "\"")).isEqualTo("Y".repeat(63));
        // 62 ASCII bytes then a two-byte character: it does not fit in 63 bytes
        assertThat(deallocateName("DEALLOCATE \"" + "a".repeat(62) + "éz\"")).isEqualTo("a".repeat(62));
    }

    @Test
    void deallocateNameIsNullForAnythingElse() {
        for (String sql : List.of(
                "",
                "DEALLOCATE",
                "DEALLOCATE ;",
                "DEALLOCATE ALL",
                "deallocate prepare all;",
                "DEALLOCATE a; SELECT 1",
                "SELECT 1; DEALLOCATE a",
                "DEALLOCATE a b",
                "DEALLOCATE a.b",
                "DEALLOCATE 'a'",
                "DEALLOCATE E'a'",
                "DEALLOCATE $$a$$",
                "DEALLOCATE $1",
                "DEALLOCATE \"\"",
                "DEALLOCATE \"abc",
                "DEALLOCATE \"abc\"\"",
                "DEALLOCATE (a)",
                "DEALLOCATE a -- trailing\n x",
                "\"DEALLOCATE\" a",
                "DEALLOCATEX a",
                "EXECUTE a",
                "DISCARD ALL",
                "/* DEALLOCATE a */")) {
            assertThat(deallocateName(sql)).as(sql).isNull();
        }
    }

    @Test
    void deallocateNameHonoursTheRange() {
        ByteBuf buf = utf8("SELECT 1; DEALLOCATE Abc; SELECT 2");
        assertThat(SessionSql.deallocateName(buf, 0, buf.writerIndex())).isNull();
        assertThat(SessionSql.deallocateName(buf, 9, 24)).isEqualTo("abc");
        assertThat(SessionSql.deallocateName(buf, 10, 25)).isEqualTo("abc");
        assertThat(SessionSql.deallocateName(buf, 10, 22)).isEqualTo("a");
        assertThat(SessionSql.deallocateName(buf, 10, buf.writerIndex())).isNull();
    }

    // ---- dropsAllPrepared ----

    @Test
    void dropsAllPreparedRecognisesDeallocateAllAndDiscardAll() {
        for (String sql : List.of(
                "DISCARD ALL",
                "discard all;",
                "DEALLOCATE ALL",
                "deallocate prepare all ;  -- done",
                "/* c */ Deallocate /* c */ Prepare\nAll;;")) {
            assertThat(dropsAllPrepared(sql)).as(sql).isTrue();
        }
        for (String sql : List.of(
                "",
                "DISCARD",
                "DISCARD PLANS",
                "DISCARD TEMP",
                "DISCARD SEQUENCES",
                "DEALLOCATE a",
                "DEALLOCATE \"all\"",
                "DEALLOCATE ALLX",
                "DEALLOCATE PREPARE",
                "DISCARD ALL; SELECT 1",
                "SELECT 1; DISCARD ALL",
                "RESET ALL",
                "\"DISCARD\" ALL",
                "SELECT 'DISCARD ALL'",
                "-- DISCARD ALL")) {
            assertThat(dropsAllPrepared(sql)).as(sql).isFalse();
        }
        ByteBuf buf = utf8("x DISCARD ALL; SELECT 1");
        assertThat(SessionSql.dropsAllPrepared(buf, 0, buf.writerIndex())).isFalse();
        assertThat(SessionSql.dropsAllPrepared(buf, 1, 14)).isTrue();
        assertThat(SessionSql.dropsAllPrepared(buf, 2, 13)).isTrue();
        assertThat(SessionSql.dropsAllPrepared(buf, 2, 12)).isFalse(); // "DISCARD AL"
    }
}
