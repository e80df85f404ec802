/**
 * Saving the app's charts as figures for papers and slides ({@link org.vbpstudio.app.figures.FigureSaver}):
 * each screen builds its chart's {@link org.vbpstudio.eval.figure.Figure} from its view model's data
 * and offers it through {@link org.vbpstudio.app.figures.FigureMenu}; the main window exports them all.
 */
package org.vbpstudio.app.figures;
