/**
 * Help ▸ Guided Tour: a step that points at a control and explains it with live numbers
 * ({@link org.vbpstudio.app.tour.TourStep}), the step logic
 * ({@link org.vbpstudio.app.tour.TourViewModel}) and the highlight with its callout
 * ({@link org.vbpstudio.app.tour.TourView}). The steps themselves read every screen's view model,
 * so the main window, which composes the screens, makes them ({@code main/StudioTour}).
 */
package org.vbpstudio.app.tour;
