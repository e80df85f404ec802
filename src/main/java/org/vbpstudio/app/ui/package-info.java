/**
 * The app's leaf: helpers every screen may use and that use no screen — loading a view's FXML
 * ({@link org.vbpstudio.app.ui.Fxml}, from {@code fxml/SCREEN/VIEW.fxml}), how numbers read
 * ({@link org.vbpstudio.app.ui.Formats}), plots drawn on a canvas
 * ({@link org.vbpstudio.app.ui.CanvasPlot}) and a drop-down of image counts
 * ({@link org.vbpstudio.app.ui.ImageLimitChoice}).
 */
package org.vbpstudio.app.ui;
