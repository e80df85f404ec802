/**
 * Help ▸ Guided Tour: steps that point at the window's controls one after another and explain
 * them with the live numbers of the open model ({@link org.vbpstudio.app.tour.TourStep}), the
 * step logic ({@link org.vbpstudio.app.tour.TourViewModel}) and the highlight with its callout
 * ({@link org.vbpstudio.app.tour.TourView}).
 */
package org.vbpstudio.app.tour;
