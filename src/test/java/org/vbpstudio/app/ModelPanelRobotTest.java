package org.vbpstudio.app;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;
import org.vbpstudio.app.model.ModelPanelView;
import org.vbpstudio.app.model.ModelPanelViewModel;
import org.vbpstudio.app.workspace.ModelSession;
import org.vbpstudio.app.workspace.Workspace;
import org.vbpstudio.testutil.Fixture;

/**
 * The model panel (272 px wide, headless Monocle) with an architecture name too long for it and
 * without spaces: it stays on one line, shortened in the middle (both ends readable), whole in its
 * tooltip; a value with spaces still wraps instead.
 */
@Tag("slow") // starts the toolkit
@ExtendWith(ApplicationExtension.class)
class ModelPanelRobotTest {
    private static final String LONG_NAME = "vit_small_patch16_224.augreg_in21k_ft_in1k_with_a_long_local_suffix";

    @TempDir
    static Path temp;
    private static ModelSession session;

    @Start
    void start(Stage stage) throws IOException {
        Path model = Files.createDirectories(temp.resolve("long-name"));
        Files.copy(Fixture.TIMM.resolve("model.safetensors"), model.resolve("model.safetensors"));
        String config = Files.readString(Fixture.TIMM.resolve("config.json"));
        Files.writeString(model.resolve("config.json"),
                config.replace("\"vit_tiny_patch16_224\"", "\"" + LONG_NAME + "\""));
        session = ModelSession.open(model);
        Workspace workspace = new Workspace();
        workspace.open(session, null, null);
        // in a row, so the panel keeps its own width whatever size earlier tests left the stage at
        stage.setScene(new Scene(new HBox(new ModelPanelView(new ModelPanelViewModel(workspace))), 900, 700));
        stage.sizeToScene();
        stage.show();
    }

    @AfterEach
    void closeStage() throws TimeoutException {
        FxToolkit.cleanupStages();
    }

    @AfterAll
    static void closeSession() {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void aLongOneWordNameIsShortenedInTheMiddleAndWholeInItsTooltip(FxRobot robot) throws Exception {
        Label architecture = robot.lookup("#info-architecture").queryAs(Label.class);
        Label depth = robot.lookup("#info-depth").queryAs(Label.class);
        Label embedding = robot.lookup("#info-embed").queryAs(Label.class);
        // what the skin draws (the label's text after overrun), read after a layout pass of our own
        String shown = WaitForAsyncUtils.asyncFx(() -> {
            Parent root = architecture.getScene().getRoot();
            root.applyCss();
            root.layout();
            return ((Text) architecture.lookup(".text")).getText();
        }).get();
        assertNotNull(shown);
        assertAll(
                () -> assertEquals(LONG_NAME, architecture.getText()),
                () -> assertTrue(shown.contains("...") && shown.length() < LONG_NAME.length(),
                        "shortened: " + shown),
                () -> assertTrue(shown.startsWith("vit_sm") && shown.endsWith("suffix"),
                        "shortened in the middle: " + shown),
                () -> assertEquals(depth.getHeight(), architecture.getHeight(), 0.5,
                        "as high as a one-line value"),
                () -> assertTrue(architecture.getTooltip().getText().startsWith(LONG_NAME),
                        "the whole name in the tooltip"),
                () -> assertTrue(embedding.isWrapText(), "a value with spaces wraps"));
    }
}
