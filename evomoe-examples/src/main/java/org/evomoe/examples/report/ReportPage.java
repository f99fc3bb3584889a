package org.evomoe.examples.report;

import java.util.List;

/** Renders the report as one self-contained HTML page that links its PNGs by relative name. */
final class ReportPage {
  private ReportPage() {}

  private static final String CSS = """
      body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
             line-height: 1.4; padding: 0 1em; }
      h1 { margin-bottom: 0.2em; }
      h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
      table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
      caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
      th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
      thead th { background: #f2f2f2; }
      tbody th { text-align: left; font-weight: normal; }
      figure { margin: 1.5em 0; }
      figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
      figcaption { font-size: 0.9em; color: #555; }
      p.note { color: #8a5a00; font-size: 0.9em; margin: 0.2em 0; }
      nav ul { columns: 2; }
      """;

  static String render(ReportedResults results, List<ReportSection> sections) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    sb.append("<title>EvoMoE demo report</title>\n<style>\n").append(CSS).append("</style>\n");
    sb.append("</head>\n<body>\n<h1>EvoMoE demo report</h1>\n");
    sb.append("<p>Generated from <code>results.json</code>; charts are the PNG files in this"
        + " folder.</p>\n");
    sb.append(RunHeader.summary(results).toHtml());
    sb.append("<details><summary>All settings</summary>\n")
        .append(RunHeader.allFields(results).toHtml()).append("</details>\n");
    sb.append("<nav><ul>\n");
    for (ReportSection s : sections) {
      sb.append("<li><a href=\"#").append(s.id()).append("\">").append(Html.escape(s.title()))
          .append("</a></li>\n");
    }
    sb.append("</ul></nav>\n");
    for (ReportSection s : sections) {
      sb.append("<section id=\"").append(s.id()).append("\">\n<h2>").append(Html.escape(s.title()))
          .append("</h2>\n<p>").append(Html.escape(s.description())).append("</p>\n");
      for (HtmlTable t : s.tables()) {
        sb.append(t.toHtml());
      }
      for (ReportFigure f : s.figures()) {
        sb.append("<figure><img src=\"").append(Html.escape(f.fileName())).append("\" width=\"")
            .append(f.width()).append("\" height=\"").append(f.height()).append("\" alt=\"")
            .append(Html.escape(f.caption())).append("\"><figcaption>")
            .append(Html.escape(f.caption())).append("</figcaption></figure>\n");
      }
      for (String n : s.notes()) {
        sb.append("<p class=\"note\">").append(Html.escape(n)).append("</p>\n");
      }
      sb.append("</section>\n");
    }
    sb.append("</body>\n</html>\n");
    return sb.toString();
  }
}
