package io.pgfleet.dataplane.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pg_hba.conf parsing and first-match selection, as auth_hba_file uses them. */
class HbaRulesTest {
    private static final InetAddress LOOPBACK = address("127.0.0.1");
    private static final InetAddress OFFICE = address("10.1.2.3");

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theFirstMatchingLineDecides() {
        HbaRules rules = HbaRules.parse("""
                # TYPE   DATABASE  USER   ADDRESS       METHOD
                host     appdb     app    127.0.0.1/32  trust
                host     all       all    127.0.0.0/8   scram-sha-256
                host     all       all    all           reject
                """);
        assertThat(rules.rules()).hasSize(3);
        assertThat(rules.methodFor(false, "appdb", "app", LOOPBACK)).isEqualTo("trust");
        assertThat(rules.methodFor(false, "appdb", "other", LOOPBACK)).isEqualTo("scram-sha-256");
        assertThat(rules.methodFor(false, "appdb", "app", OFFICE)).isEqualTo("reject");
    }

    @Test
    void noMatchingLineMeansNoMethod() {
        HbaRules rules = HbaRules.parse("host appdb app 127.0.0.1/32 md5\n");
        assertThat(rules.methodFor(false, "otherdb", "app", LOOPBACK)).isNull();
        assertThat(rules.methodFor(false, "appdb", "app", OFFICE)).isNull();
    }

    @Test
    void hostsslAndHostnosslFollowTheConnectionsEncryption() {
        HbaRules rules = HbaRules.parse("""
                hostssl   all all 0.0.0.0/0 cert
                hostnossl all all 0.0.0.0/0 scram-sha-256
                """);
        assertThat(rules.methodFor(true, "db", "u", OFFICE)).isEqualTo("cert");
        assertThat(rules.methodFor(false, "db", "u", OFFICE)).isEqualTo("scram-sha-256");
    }

    @Test
    void localLinesOnlyMatchUnixSocketsAndHostLinesOnlyTcp() {
        HbaRules rules = HbaRules.parse("""
                local all all peer
                host  all all all md5
                """);
        assertThat(rules.methodFor(false, "db", "u", null)).isEqualTo("peer");
        assertThat(rules.methodFor(false, "db", "u", LOOPBACK)).isEqualTo("md5");
    }

    @Test
    void listsKeywordsAndSameuser() {
        HbaRules rules = HbaRules.parse("""
                host sameuser   all          all password
                host db1,db2    alice, bob   all md5
                """);
        assertThat(rules.methodFor(false, "carol", "carol", OFFICE)).isEqualTo("password");
        assertThat(rules.methodFor(false, "db2", "bob", OFFICE)).isEqualTo("md5");
        assertThat(rules.methodFor(false, "db2", "carol", OFFICE)).isNull();
        assertThat(rules.rules().get(1).databases()).containsExactly("db1", "db2");
        assertThat(rules.rules().get(1).users()).containsExactly("alice", "bob");
    }

    @Test
    void aQuotedKeywordIsAPlainName() {
        HbaRules rules = HbaRules.parse("host \"all\" \"My User\" all trust\n");
        assertThat(rules.methodFor(false, "all", "My User", OFFICE)).isEqualTo("trust");
        assertThat(rules.methodFor(false, "appdb", "My User", OFFICE)).isNull();
    }

    @Test
    void addressesAsCidrOrWithANetmaskColumn() {
        HbaRules rules = HbaRules.parse("""
                host all a 10.0.0.0     255.0.0.0   trust
                host all b 10.1.0.0/16  trust
                host all c ::1/128      trust
                """);
        assertThat(rules.rules().get(0).address()).isEqualTo("10.0.0.0/8");
        assertThat(rules.methodFor(false, "db", "a", OFFICE)).isEqualTo("trust");
        assertThat(rules.methodFor(false, "db", "b", OFFICE)).isEqualTo("trust");
        assertThat(rules.methodFor(false, "db", "b", address("10.2.0.1"))).isNull();
        assertThat(rules.methodFor(false, "db", "c", address("::1"))).isEqualTo("trust");
        assertThat(rules.methodFor(false, "db", "c", LOOPBACK)).as("IPv6 rule, IPv4 client").isNull();
    }

    @Test
    void commentsBlankLinesAndContinuations() {
        HbaRules rules = HbaRules.parse("""
                # a comment

                host all all \\
                     127.0.0.1/32 trust   # trailing comment
                host "a#b" all all md5
                """);
        assertThat(rules.rules()).hasSize(2);
        assertThat(rules.rules().get(0).lineNumber()).isEqualTo(3);
        assertThat(rules.rules().get(1).lineNumber()).isEqualTo(5);
        assertThat(rules.methodFor(false, "a#b", "u", OFFICE)).isEqualTo("md5");
    }

    @Test
    void unsupportedEntriesAreRefusedWithTheirLineNumber() {
        assertThatThrownBy(() -> HbaRules.parse("host all all 127.0.0.1/32 trust\nhost all +admins all md5\n"))
                .hasMessageContaining("line 2").hasMessageContaining("+role");
        assertThatThrownBy(() -> HbaRules.parse("host all all db.example.com md5"))
                .hasMessageContaining("line 1").hasMessageContaining("host names");
        assertThatThrownBy(() -> HbaRules.parse("host all all all ldap"))
                .hasMessageContaining("unsupported authentication method \"ldap\"");
        assertThatThrownBy(() -> HbaRules.parse("hostgssenc all all all md5"))
                .hasMessageContaining("unsupported connection type");
        assertThatThrownBy(() -> HbaRules.parse("host all all all cert map=users"))
                .hasMessageContaining("options after the method");
        assertThatThrownBy(() -> HbaRules.parse("host all all 10.0.0.1 md5"))
                .hasMessageContaining("prefix length or a netmask");
        assertThatThrownBy(() -> HbaRules.parse("host all all 10.0.0.0 255.0.255.0 md5"))
                .hasMessageContaining("not contiguous");
        assertThatThrownBy(() -> HbaRules.parse("host @dbs all all md5"))
                .hasMessageContaining("@file");
        assertThatThrownBy(() -> HbaRules.parse("host all all all peer"))
                .hasMessageContaining("only supported on local");
        assertThatThrownBy(() -> HbaRules.parse("host all \"unterminated all all md5"))
                .hasMessageContaining("unterminated");
        assertThatThrownBy(() -> HbaRules.parse("host all all"))
                .hasMessageContaining("incomplete");
    }
}
