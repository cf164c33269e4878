package io.aijobs.processor.admission;

import io.aijobs.contracts.InvalidJobException;
import io.aijobs.contracts.JobValidator;
import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;
import java.util.List;
import java.util.Objects;

/** A job that breaks the job contract (missing ids, no messages, over the size limits, ...) is INVALID. */
final class ContractCheck implements AdmissionCheck {

    private final JobValidator validator;

    ContractCheck(JobValidator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    @Override
    public String name() {
        return "contract";
    }

    @Override
    public Verdict check(Candidate candidate) {
        List<InvalidJobException.Violation> violations = validator.violations(candidate.job());
        if (violations.isEmpty()) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.INVALID, "contract_violation",
                new InvalidJobException(violations).getMessage()));
    }
}
