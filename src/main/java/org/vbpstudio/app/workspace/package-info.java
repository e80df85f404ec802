/**
 * What the screens share, observable and without a Node: the open model
 * ({@link org.vbpstudio.app.workspace.ModelSession}), its images and statistics, the current plan and
 * what it keeps ({@link org.vbpstudio.app.workspace.PlanSelection}), and the prepared validation
 * slice ({@link org.vbpstudio.app.workspace.LivePreview}), all held by the
 * {@link org.vbpstudio.app.workspace.Workspace}. A screen writes what it owns there and reads the
 * rest from there, never from another screen's view model.
 */
package org.vbpstudio.app.workspace;
