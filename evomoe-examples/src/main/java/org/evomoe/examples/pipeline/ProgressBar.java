package org.evomoe.examples.pipeline;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error: redrawn in place on a terminal, a line every 10%
 * otherwise (logs, CI).
 */
public final class ProgressBar {
  private final String label;
  private final int total;
  private final PrintStream out = System.err;
  private final boolean terminal = System.console() != null;
  private final long t0 = System.nanoTime();
  private int lastDecile = -1;

  public ProgressBar(String label, int total) {
    this.label = label;
    this.total = Math.max(1, total);
  }

  /** Reports {@code done} of {@code total} items and a value to show (e.g. the loss). */
  public void update(int done, double value) {
    double frac = Math.min(1.0, done / (double) total);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    if (terminal) {
      int width = 30;
      int fill = (int) Math.round(frac * width);
      out.printf(Locale.ROOT, "\r%-18s [%s%s] %4d/%d loss %.4f %5.1fs eta %5.1fs", label,
          "=".repeat(fill), " ".repeat(width - fill), done, total, value, elapsed, eta);
      if (done >= total) {
        out.println();
      }
    } else {
      int decile = (int) (frac * 10);
      if (decile != lastDecile) {
        lastDecile = decile;
        out.printf(Locale.ROOT, "%s %3.0f%% (%d/%d) loss %.4f %.1fs%n", label, 100 * frac, done,
            total, value, elapsed);
      }
    }
    out.flush();
  }
}
