package io.pgfleet.dataplane.agent;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetRotationTest {

    @Test
    void everyReconnectMovesToTheNextReplicaAndWrapsAround() {
        TargetRotation rotation = new TargetRotation(AgentSettings.parseTargets("cp1:8080, cp2:8080,cp3:8080"));
        assertThat(rotation.current()).isEqualTo("cp1:8080");
        assertThat(rotation.advance()).isEqualTo("cp2:8080");
        assertThat(rotation.advance()).isEqualTo("cp3:8080");
        assertThat(rotation.advance()).isEqualTo("cp1:8080");
        assertThat(rotation.current()).isEqualTo("cp1:8080");
    }

    @Test
    void aSingleTargetStaysPut() {
        TargetRotation rotation = new TargetRotation(List.of("localhost:9000"));
        assertThat(rotation.advance()).isEqualTo("localhost:9000");
        assertThat(rotation.advance()).isEqualTo("localhost:9000");
    }

    @Test
    void targetListsAreCheckedWhenParsed() {
        assertThat(AgentSettings.parseTargets("localhost:9000")).containsExactly("localhost:9000");
        assertThatThrownBy(() -> AgentSettings.parseTargets("a:1,,b:2")).hasMessageContaining("empty entry");
        assertThatThrownBy(() -> AgentSettings.parseTargets("")).hasMessageContaining("empty entry");
    }
}
