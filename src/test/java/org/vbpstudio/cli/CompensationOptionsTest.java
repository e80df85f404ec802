package org.vbpstudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.vbpstudio.testutil.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vbpstudio.io.BadInputException;
import org.vbpstudio.prune.Compensation;
import org.vbpstudio.prune.PruningPlan;
import org.vbpstudio.testutil.Cli.Run;
import org.vbpstudio.testutil.Fixture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class CompensationOptionsTest {
    @TempDir
    Path tmp;

    @Command(name = "t")
    static final class Host {
        @Mixin
        CompensationOptions compensation;
    }

    private static PruningPlan parsed(String... args) {
        Host h = new Host();
        new CommandLine(h).parseArgs(args);
        return h.compensation.applyTo(PruningPlan.global(0.5));
    }

    @Test
    void noCompensationIsCompensationNone() {
        assertEquals(Compensation.NONE, parsed("--no-compensation").compensation());
        assertEquals(parsed("--no-compensation"), parsed("--compensation", "none"));
        assertEquals(parsed("--no-compensation"), parsed("--compensation", "none", "--no-compensation"));
    }

    @Test
    void eachModeByNameAndThePlansOwnWhenNoneIsGiven() {
        assertEquals(Compensation.MEAN, parsed().compensation()); // the plan's
        assertEquals(Compensation.MEAN, parsed("--compensation", "MEAN").compensation());
        PruningPlan refit = parsed("--compensation", "refit", "--ridge", "0.5");
        assertEquals(Compensation.REFIT, refit.compensation());
        assertEquals(0.5, refit.ridge(), 0);
        assertEquals(PruningPlan.DEFAULT_RIDGE, parsed("--compensation", "refit").ridge(), 0);
    }

    @Test
    void contradictionsAndMisplacedRidgesAreBadInput() {
        assertEquals("--no-compensation contradicts --compensation mean", assertThrows(BadInputException.class,
                () -> parsed("--no-compensation", "--compensation", "mean")).getMessage());
        assertEquals("--compensation 'half' (expected none, mean or refit)", assertThrows(BadInputException.class,
                () -> parsed("--compensation", "half")).getMessage());
        assertThrows(BadInputException.class, () -> parsed("--ridge", "0.1")); // mean: no ridge
        assertThrows(BadInputException.class, () -> parsed("--compensation", "refit", "--ridge", "-1"));
        assertThrows(BadInputException.class, () -> parsed("--compensation", "refit", "--ridge", "NaN"));
    }

    @Test
    void pruneWritesTheSameModelForBothSpellings() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Run ra = run("prune", "--model", Fixture.TIMM.toString(), "--criterion", "magnitude", "--ratio", "0.5",
                "--no-compensation", "--output", a.toString());
        Run rb = run("prune", "--model", Fixture.TIMM.toString(), "--criterion", "magnitude", "--ratio", "0.5",
                "--compensation", "none", "--output", b.toString());
        assertEquals(0, ra.code(), ra.err());
        assertEquals(0, rb.code(), rb.err());
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));
        assertEquals(Files.readString(a.resolve("plan.json")), Files.readString(b.resolve("plan.json")));
        assertEquals(Compensation.NONE, PruningPlan.read(a.resolve("plan.json")).compensation());
    }

    /** Calibration images give a refit what it needs (statistics files without it: RefitCommandTest). */
    @Test
    void refitOnCalibrationImagesCollectsWhatItNeeds() {
        Path out = tmp.resolve("out");
        Run r = run("prune", "--model", Fixture.TIMM.toString(), "--calibration", Fixture.IMAGES.toString(),
                "--ratio", "0.5", "--compensation", "refit", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Compensation.REFIT, PruningPlan.read(out.resolve("plan.json")).compensation());
    }
}
