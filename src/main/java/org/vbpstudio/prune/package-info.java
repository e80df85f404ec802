/**
 * Variance-Based Pruning of a ViT's MLP hidden neurons, in Torch-Pruning's four
 * separate concerns:
 * <ul>
 *   <li><b>importance</b> — {@link org.vbpstudio.prune.Importance}, {@link org.vbpstudio.prune.Criterion}:
 *       one score per neuron (variance, magnitude, random, wifv, wanda, taylor);</li>
 *   <li><b>policy</b> — {@link org.vbpstudio.prune.PruningPlan} (replayable JSON) and
 *       {@link org.vbpstudio.prune.Selection}: which neurons each block keeps (optionally on per-block
 *       z-scores); {@link org.vbpstudio.prune.Budget} fits a plan's ratio to a MAC or parameter budget and
 *       {@link org.vbpstudio.prune.Allocation} chooses per-block ratios from sensitivity curves;</li>
 *   <li><b>surgery</b> — {@link org.vbpstudio.prune.Surgery}: new weights and config together, with
 *       optional mean compensation; {@link org.vbpstudio.prune.MaskHook} computes the same thing on the
 *       unpruned model for previews;</li>
 *   <li><b>output</b> — {@link org.vbpstudio.prune.PruningReport} (widths, MACs, parameters) and
 *       {@link org.vbpstudio.prune.Exporter} (an atomic model directory with plan.json and report.json).</li>
 * </ul>
 * {@link org.vbpstudio.prune.Pruner} chains the first three; {@link org.vbpstudio.prune.PruneJob} is
 * the one way out for the command line and the app (check the target, prune, time, report, export).
 * Nothing here imports JavaFX.
 */
package org.vbpstudio.prune;
