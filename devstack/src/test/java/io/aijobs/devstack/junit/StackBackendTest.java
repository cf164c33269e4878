package io.aijobs.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StackBackendTest {

    @Test
    void shouldReadTheBackendFromThePropertyWithProcessesWhenUnset() {
        assertThat(StackBackend.parse(null)).isEqualTo(StackBackend.PROCESSES);
        assertThat(StackBackend.parse(" ")).isEqualTo(StackBackend.PROCESSES);
        assertThat(StackBackend.parse("processes")).isEqualTo(StackBackend.PROCESSES);
        assertThat(StackBackend.parse("Containers")).isEqualTo(StackBackend.CONTAINERS);
    }

    @Test
    void shouldRefuseAnUnknownBackendNamingThePropertyAndTheValues() {
        assertThatThrownBy(() -> StackBackend.parse("docker")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("aijobs.test.stack=docker is not one of processes, containers");
    }

    @Test
    void shouldRunTheProcessesAfterOneLineWithTheReasonWhenContainersAreAskedForWithoutDocker() {
        List<String> notes = new ArrayList<>();

        StackBackend effective = StackBackend.CONTAINERS.effective(() -> Optional.of("no Docker engine answers"), notes::add);

        assertThat(effective).isEqualTo(StackBackend.PROCESSES);
        assertThat(notes).containsExactly("aijobs.test.stack=containers skipped: no Docker engine answers; the tests run on local processes");
    }

    @Test
    void shouldRunContainersWhenDockerAnswersAndNeverAskForDockerWhenProcessesAreChosen() {
        List<String> notes = new ArrayList<>();

        assertThat(StackBackend.CONTAINERS.effective(Optional::empty, notes::add)).isEqualTo(StackBackend.CONTAINERS);
        assertThat(StackBackend.PROCESSES.effective(() -> {
            throw new AssertionError("Docker was asked for");
        }, notes::add)).isEqualTo(StackBackend.PROCESSES);
        assertThat(notes).isEmpty();
    }
}
