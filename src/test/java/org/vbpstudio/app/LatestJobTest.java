package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.junit.jupiter.api.Test;
import org.vbpstudio.app.concurrent.BackgroundTask;
import org.vbpstudio.app.concurrent.LatestJob;
import org.vbpstudio.app.concurrent.TaskExecutor;
import org.vbpstudio.app.concurrent.TaskHandle;

/** "The latest job wins": a superseded job's callbacks never reach the screen. */
class LatestJobTest {

    /** Holds submitted tasks until the test finishes them, in any order, as a busy machine would. */
    private static final class HeldExecutor implements TaskExecutor {
        final List<BackgroundTask<?>> tasks = new ArrayList<>();
        final List<Boolean> cancelled = new ArrayList<>();

        @Override
        public <V> TaskHandle execute(BackgroundTask<V> task) {
            int i = tasks.size();
            tasks.add(task);
            cancelled.add(false);
            return () -> cancelled.set(i, true);
        }

        @SuppressWarnings("unchecked")
        <V> void succeed(int i, V value) {
            ((BackgroundTask<V>) tasks.get(i)).partial(value);
            ((BackgroundTask<V>) tasks.get(i)).succeeded(value);
        }

        void fail(int i, Exception e) {
            tasks.get(i).failed(e);
        }

        @Override
        public TaskHandle schedule(Duration delay, Runnable action) {
            action.run();
            return TaskHandle.DONE;
        }

        @Override
        public void close() {
        }
    }

    private static BackgroundTask<String> recording(List<String> heard, String name) {
        return BackgroundTask.<String>of(name, ctx -> name)
                .onPartial(v -> heard.add(name + " partial " + v))
                .onSuccess(v -> heard.add(name + " success " + v))
                .onFailure(e -> heard.add(name + " failure " + e.getMessage()))
                .onFinished(() -> heard.add(name + " finished"));
    }

    @Test
    void aNewerJobSupersedesAndCancelsTheOlderWhoseResultIsDiscarded() {
        HeldExecutor executor = new HeldExecutor();
        LatestJob job = new LatestJob(executor);
        List<String> heard = new ArrayList<>();
        List<String> discarded = new ArrayList<>();
        job.submit(recording(heard, "first"), discarded::add);
        job.submit(recording(heard, "second"), discarded::add);
        assertTrue(executor.cancelled.get(0), "the superseded job is cancelled");
        assertFalse(executor.cancelled.get(1));
        assertTrue(job.runningProperty().get());
        executor.succeed(1, "B");
        executor.succeed(0, "A"); // the older one ends last: its value must not reach the screen
        assertEquals(List.of("second partial B", "second success B", "second finished"), heard);
        assertEquals(List.of("A"), discarded);
        assertFalse(job.runningProperty().get());
    }

    @Test
    void forgetVoidsTheRunningJobsFailureToo() {
        HeldExecutor executor = new HeldExecutor();
        LatestJob job = new LatestJob(executor);
        List<String> heard = new ArrayList<>();
        job.submit(recording(heard, "only"));
        job.forget();
        executor.fail(0, new IllegalStateException("late"));
        assertEquals(List.of(), heard);
        assertFalse(job.runningProperty().get());
    }

    @Test
    void startReportsAFailureOfTheLatestJobOnlyInTheStatusLine() {
        HeldExecutor executor = new HeldExecutor();
        StringProperty status = new SimpleStringProperty("");
        RecordingDialogs dialogs = new RecordingDialogs();
        LatestJob job = new LatestJob(executor, dialogs, status);
        List<String> results = new ArrayList<>();
        job.<String>start("Comparing", "Comparison", ctx -> "x", results::add, results::add);
        job.<String>start("Comparing", "Comparison", ctx -> "y", results::add, results::add);
        executor.fail(0, new IllegalStateException("stale"));
        assertEquals("", status.get());
        assertEquals(0, dialogs.errors.size());
        executor.fail(1, new IllegalStateException("broken"));
        assertEquals("Comparison failed", status.get());
        assertEquals(1, dialogs.errors.size());
        assertEquals(List.of(), results);
    }
}
