package org.evomoe.examples.study;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One progress line for a whole run on standard error: optimiser steps done of all cells, cells
 * finished, elapsed time and an ETA from the steps run in this process. Redrawn in place on a
 * terminal, a line every 5% otherwise (logs, CI). Thread-safe.
 */
final class StudyProgress implements StepListener {
  private final PrintStream out;
  private final boolean terminal;
  private final long totalSteps;
  private final int totalCells;
  private final long t0 = System.nanoTime();
  private long steps;
  private long stepsHere;
  private int cells;
  private int lastTwentieth = -1;
  private long lastDraw;

  StudyProgress(long totalSteps, int totalCells, PrintStream out) {
    this.totalSteps = Math.max(1, totalSteps);
    this.totalCells = totalCells;
    this.out = out;
    this.terminal = System.console() != null;
  }

  /** Counts the steps of cells finished in an earlier run (no ETA weight). */
  synchronized void alreadyDone(long cellSteps) {
    steps += cellSteps;
    cells++;
  }

  /** Counts steps restored from a checkpoint (no ETA weight). */
  synchronized void restored(int stageSteps) {
    steps += stageSteps;
  }

  /** Counts the steps of a cell trained in another JVM (a Spark task), when its result arrives. */
  synchronized void trainedElsewhere(long cellSteps) {
    steps += cellSteps;
    stepsHere += cellSteps;
  }

  synchronized void cellDone() {
    cells++;
    draw(true);
  }

  @Override
  public synchronized void onStep(String cell, String stage, int step, double loss) {
    steps++;
    stepsHere++;
    draw(false);
  }

  synchronized void finish() {
    draw(true);
    if (terminal) {
      out.println();
    }
  }

  private void draw(boolean force) {
    double frac = Math.min(1.0, steps / (double) totalSteps);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long remaining = totalSteps - steps;
    double eta = stepsHere > 0 ? elapsed / stepsHere * remaining : Double.NaN;
    int twentieth = (int) (frac * 20);
    long now = System.nanoTime();
    if (terminal) {
      if (!force && now - lastDraw < 200_000_000L) {
        return;
      }
      lastDraw = now;
      int width = 30;
      int fill = (int) Math.round(frac * width);
      out.printf(Locale.ROOT, "\r[%s%s] %3.0f%% %d/%d steps, %d/%d cells, %s, eta %s   ",
          "=".repeat(fill), " ".repeat(width - fill), 100 * frac, steps, totalSteps, cells,
          totalCells, time(elapsed), time(eta));
    } else {
      if (twentieth == lastTwentieth && !force) {
        return;
      }
      lastTwentieth = twentieth;
      out.printf(Locale.ROOT, "progress %3.0f%% (%d/%d steps, %d/%d cells) %s, eta %s%n",
          100 * frac, steps, totalSteps, cells, totalCells, time(elapsed), time(eta));
    }
    out.flush();
  }

  static String time(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
  }
}
