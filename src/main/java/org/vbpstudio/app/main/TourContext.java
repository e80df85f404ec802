package org.vbpstudio.app.main;

import javafx.beans.value.ObservableBooleanValue;
import org.vbpstudio.app.calibrate.CalibrationViewModel;
import org.vbpstudio.app.flips.FlipsViewModel;
import org.vbpstudio.app.preview.PreviewViewModel;
import org.vbpstudio.app.prune.PruningViewModel;
import org.vbpstudio.app.workspace.Workspace;

/**
 * What the tour's steps read and do: the screens' view models, and the main window's actions they
 * need (given as functions, so that a test can run the tour on another model).
 *
 * @param openSample opens the sample model with its images; null when the sample is not installed
 * @param showPrune  shows the Prune tab (calibration, block cards, compensation)
 * @param showFlips  shows the Changed predictions tab
 * @param flipsShown whether the Changed predictions tab is shown
 */
public record TourContext(Workspace workspace, CalibrationViewModel calibration, PruningViewModel pruning,
        PreviewViewModel preview, FlipsViewModel flips, Runnable openSample, Runnable showPrune,
        Runnable showFlips, ObservableBooleanValue flipsShown) {}
