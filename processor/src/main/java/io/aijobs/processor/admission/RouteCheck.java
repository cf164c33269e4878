package io.aijobs.processor.admission;

import io.aijobs.processor.failure.Failure;
import io.aijobs.schema.FailureCategory;
import java.util.Objects;
import java.util.function.Predicate;

/** A job naming a model that no route of the routing table serves is INVALID: no call could be made for it. */
final class RouteCheck implements AdmissionCheck {

    private final Predicate<String> routed;

    /** @param routed whether some route serves a model */
    RouteCheck(Predicate<String> routed) {
        this.routed = Objects.requireNonNull(routed, "routed");
    }

    @Override
    public String name() {
        return "route";
    }

    @Override
    public Verdict check(Candidate candidate) {
        String model = candidate.job().getModel();
        if (routed.test(model)) {
            return Verdict.admit();
        }
        return Verdict.reject(Failure.rejection(FailureCategory.INVALID, "no_route", "No route of model.routes serves model '" + model + "'"));
    }
}
