package org.evomoe.examples.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.evomoe.checkpoint.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Writes charts as PNG files into one folder, each under a unique name derived from a readable
 * base name (lower case letters, digits, dots and dashes; anything else from the JSON becomes a
 * dash, so arm names cannot reach outside the folder).
 */
final class ChartFiles {
  /** Height in pixels of the title and legend strip above a grid. */
  static final int TITLE_HEIGHT = 60;

  private final Path dir;
  private final Set<String> used = new HashSet<>();

  ChartFiles(Path dir) {
    this.dir = dir;
  }

  /** Saves one chart at its own size as {@code <base>.png}. */
  ReportFigure save(Chart<?, ?> chart, String base, String caption) throws IOException {
    String name = uniqueName(base);
    AtomicFiles.write(dir.resolve(name), o -> BitmapEncoder.saveBitmap(chart, o, BitmapFormat.PNG));
    return new ReportFigure(name, caption, chart.getWidth(), chart.getHeight());
  }

  /**
   * Saves charts as one PNG: a title line and a shared legend line on top, then a grid of {@code
   * columns} columns filled row by row (cells as large as the largest chart; empty cells white).
   */
  <C extends Chart<?, ?>> ReportFigure saveGrid(List<C> charts, int columns, String title,
      List<LegendEntry> legend, String base, String caption) throws IOException {
    if (charts.isEmpty() || columns <= 0) {
      throw new IllegalArgumentException("a grid needs charts and columns > 0: " + charts.size()
          + " charts, " + columns + " columns");
    }
    int cols = Math.min(columns, charts.size());
    int rows = (charts.size() + cols - 1) / cols;
    int cellW = 0;
    int cellH = 0;
    for (C c : charts) {
      cellW = Math.max(cellW, c.getWidth());
      cellH = Math.max(cellH, c.getHeight());
    }
    int width = cellW * cols;
    int height = TITLE_HEIGHT + cellH * rows;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      FontMetrics fm = g.getFontMetrics();
      g.drawString(title, Math.max(8, (width - fm.stringWidth(title)) / 2), 8 + fm.getAscent());
      drawLegend(g, legend, width, TITLE_HEIGHT - 14);
      for (int i = 0; i < charts.size(); i++) {
        BufferedImage panel = BitmapEncoder.getBufferedImage(charts.get(i));
        g.drawImage(panel, (i % cols) * cellW, TITLE_HEIGHT + (i / cols) * cellH, null);
      }
    } finally {
      g.dispose();
    }
    String name = uniqueName(base);
    AtomicFiles.write(dir.resolve(name), o -> {
      if (!ImageIO.write(image, "png", o)) {
        throw new IOException("no PNG writer available for " + name);
      }
    });
    return new ReportFigure(name, caption, width, height);
  }

  /** Draws the entries centred on one line whose text baseline is at {@code baseline}. */
  private static void drawLegend(Graphics2D g, List<LegendEntry> legend, int width, int baseline) {
    if (legend.isEmpty()) {
      return;
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    FontMetrics fm = g.getFontMetrics();
    int sample = 36;
    int gap = 28;
    int total = 0;
    for (LegendEntry e : legend) {
      total += sample + 6 + fm.stringWidth(e.label()) + gap;
    }
    int x = Math.max(8, (width - total + gap) / 2);
    int lineY = baseline - fm.getAscent() / 2 + 1;
    for (LegendEntry e : legend) {
      g.setColor(e.color());
      g.setStroke(e.stroke());
      g.drawLine(x, lineY, x + sample, lineY);
      x += sample + 6;
      g.setColor(Color.BLACK);
      g.drawString(e.label(), x, baseline);
      x += fm.stringWidth(e.label()) + gap;
    }
  }

  private String uniqueName(String base) {
    String safe = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]+", "-")
        .replaceAll("-{2,}", "-").replaceAll("^[-.]+|-+$", "");
    if (safe.isEmpty()) {
      safe = "chart";
    }
    if (safe.length() > 80) {
      safe = safe.substring(0, 80);
    }
    String name = safe + ".png";
    for (int i = 2; !used.add(name); i++) {
      name = safe + "-" + i + ".png";
    }
    return name;
  }
}
