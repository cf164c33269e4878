package io.aijobs.processor.admission;

/**
 * One step of admission: looks at a decoded job and admits it or says why not. Checks run in the order
 * {@link AdmissionPipeline} states, on the task's stream thread, and only while every earlier check admitted.
 *
 * <p>A check that consumes something (a rate-limit token, a fair-share slot) must do so only when it admits. What it
 * consumed is not given back when a later check refuses the job, so such a check goes as late as its meaning allows.
 */
interface AdmissionCheck {

    /** A short, stable name for logs and for the documented order, e.g. {@code "deadline"}. */
    String name();

    /** {@link Verdict#admit()} (or {@link Verdict.Replay}), else why the job must not run. Never null. */
    Verdict check(Candidate candidate);
}
