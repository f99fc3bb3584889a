package org.evomoe.examples.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/** The look shared by every chart of the report: fonts, colours, chart sizes in pixels. */
final class ChartStyle {
  private ChartStyle() {}

  /** Width and height of line and bar charts. */
  static final int WIDE_WIDTH = 900;
  static final int WIDE_HEIGHT = 500;
  /** Width and height of heat maps. */
  static final int SQUARE_WIDTH = 720;
  static final int SQUARE_HEIGHT = 560;
  /** Width and height of one panel of a chart grid. */
  static final int PANEL_WIDTH = 460;
  static final int PANEL_HEIGHT = 320;

  /** Image tokens: orange; text tokens: blue (the same in every chart). */
  static final Color IMAGE = new Color(0xE6, 0x7E, 0x22);
  static final Color TEXT = new Color(0x1F, 0x77, 0xB4);

  /** A categorical palette (Tableau 10) for series without a fixed colour. */
  private static final Color[] PALETTE = {
    new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C), new Color(0xD62728),
    new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
    new Color(0xBCBD22), new Color(0x17BECF)
  };

  /** The i-th palette colour (cycling). */
  static Color color(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /** The fixed colour of a modality name ({@code IMAGE}, {@code TEXT}), else a palette colour. */
  static Color modalityColor(String modality, int index) {
    return switch (modality) {
      case "IMAGE" -> IMAGE;
      case "TEXT" -> TEXT;
      default -> color(index + 2);
    };
  }

  /** A solid line of the given width. */
  static BasicStroke solid(float width) {
    return new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
  }

  /** A dashed line of the given width. */
  static BasicStroke dashed(float width) {
    return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
        new float[] {7f, 5f}, 0f);
  }

  /** White backgrounds, light grid, readable fonts, the palette above. */
  static void apply(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderColor(new Color(0x99, 0x99, 0x99));
    s.setChartFontColor(Color.BLACK);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    s.setChartTitleBoxVisible(false);
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setLegendBorderColor(new Color(0xCC, 0xCC, 0xCC));
    s.setSeriesColors(PALETTE);
    s.setAntiAlias(true);
    s.setChartPadding(12);
    if (s instanceof AxesChartStyler a) {
      a.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      a.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      a.setPlotGridLinesColor(new Color(0xE4, 0xE4, 0xE4));
      a.setAxisTickMarksColor(new Color(0x66, 0x66, 0x66));
      a.setLocale(java.util.Locale.ROOT);
    }
  }
}
