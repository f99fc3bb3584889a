package org.evomoe.examples.report;

/**
 * One PNG of the report.
 *
 * @param fileName the file's name in the report folder (no path)
 * @param caption what the figure shows (plain text, escaped when rendered)
 * @param width the image width in pixels
 * @param height the image height in pixels
 */
record ReportFigure(String fileName, String caption, int width, int height) {
  ReportFigure {
    if (fileName == null || fileName.isEmpty() || fileName.contains("/") || fileName.contains("\\")) {
      throw new IllegalArgumentException("figure file name must be a plain file name: " + fileName);
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("figure size must be positive: " + width + "x" + height);
    }
    caption = caption == null ? "" : caption;
  }
}
