package io.aijobs.processor.admission;

import static io.aijobs.processor.admission.AdmissionFixtures.T0;
import static io.aijobs.processor.admission.AdmissionFixtures.candidate;
import static io.aijobs.processor.admission.AdmissionFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

import io.aijobs.schema.DeadLetterContent;
import io.aijobs.schema.FailureCategory;
import io.aijobs.schema.TenantPolicy;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TenantPolicyCheckTest {

    private static TenantPolicy.Builder policy() {
        return TenantPolicy.newBuilder().setTenantId("acme").setRetentionMs(1000L).setUpdatedAt(T0);
    }

    private static TenantPolicyCheck check(boolean policyRequired, TenantPolicy policy) {
        return new TenantPolicyCheck(new TenantPolicyEnforcer(policyRequired, DeadLetterContent.FULL), tenant -> policy);
    }

    private static Consumer<Verdict.Reject> rejectedAs(FailureCategory category, String errorType) {
        return reject -> {
            assertThat(reject.failure().category()).isEqualTo(category);
            assertThat(reject.failure().errorType()).isEqualTo(errorType);
        };
    }

    @Test
    void shouldAdmitATenantWithoutAPolicyWhenNoneIsRequired() {
        assertThat(check(false, null).check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
    }

    @Test
    void shouldRejectATenantWithoutAPolicyAsSecurityWhenOneIsRequired() {
        assertThat(check(true, null).check(candidate(job("j-1").build())))
                .isInstanceOfSatisfying(Verdict.Reject.class, rejectedAs(FailureCategory.SECURITY, "unknown_tenant"));
    }

    @Test
    void shouldRejectAModelThePolicyDoesNotAllowAsPolicy() {
        TenantPolicy onlyOther = policy().setAllowedModels(List.of("other")).build();

        assertThat(check(true, onlyOther).check(candidate(job("j-1").build())))
                .isInstanceOfSatisfying(Verdict.Reject.class, rejectedAs(FailureCategory.POLICY, "model_not_allowed"));
    }

    @Test
    void shouldRejectAnInputLargerThanThePolicyAllowsAsPolicy() {
        TenantPolicy tiny = policy().setMaxInputBytes(2L).build();

        assertThat(check(true, tiny).check(candidate(job("j-1").build())))
                .isInstanceOfSatisfying(Verdict.Reject.class, rejectedAs(FailureCategory.POLICY, "input_too_large"));
    }

    @Test
    void shouldRejectJobsOverTheRateLimitAsPolicyAfterABurstOfOneSecond() {
        TenantPolicyCheck check = check(true, policy().setRateLimitPerSecond(2.0).build());

        assertThat(check.check(candidate(job("j-1").build()))).isEqualTo(Verdict.admit());
        assertThat(check.check(candidate(job("j-2").build()))).isEqualTo(Verdict.admit());
        assertThat(check.check(candidate(job("j-3").build())))
                .isInstanceOfSatisfying(Verdict.Reject.class, rejectedAs(FailureCategory.POLICY, "rate_limited"));
    }
}
