package org.evomoe.examples.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A simple HTML table: a header row and body rows of text cells, every cell escaped when rendered.
 * A cell can be marked bold (the best value of a row) or as a row label.
 */
final class HtmlTable {
  /** One cell: its text (escaped on output), bold or not, and whether it is a row label. */
  record Cell(String text, boolean bold, boolean label) {
    Cell {
      text = text == null ? "" : text;
    }

    static Cell of(String text) {
      return new Cell(text, false, false);
    }
  }

  private final String caption;
  private final List<String> header;
  private final List<List<Cell>> rows = new ArrayList<>();

  HtmlTable(String caption, List<String> header) {
    if (header.isEmpty()) {
      throw new IllegalArgumentException("a table needs at least one column");
    }
    this.caption = caption;
    this.header = List.copyOf(header);
  }

  /** Adds a row of plain cells; the first one is the row label. */
  HtmlTable row(List<String> cells) {
    List<Cell> r = new ArrayList<>(cells.size());
    for (int i = 0; i < cells.size(); i++) {
      r.add(new Cell(cells.get(i), false, i == 0));
    }
    return cells(r);
  }

  /** Adds a row of prepared cells. */
  HtmlTable cells(List<Cell> cells) {
    if (cells.size() != header.size()) {
      throw new IllegalArgumentException(
          "row has " + cells.size() + " cells, the table has " + header.size() + " columns");
    }
    rows.add(List.copyOf(cells));
    return this;
  }

  int rowCount() {
    return rows.size();
  }

  String toHtml() {
    StringBuilder sb = new StringBuilder("<table>\n");
    if (caption != null && !caption.isEmpty()) {
      sb.append("<caption>").append(Html.escape(caption)).append("</caption>\n");
    }
    sb.append("<thead><tr>");
    for (String h : header) {
      sb.append("<th>").append(Html.escape(h)).append("</th>");
    }
    sb.append("</tr></thead>\n<tbody>\n");
    for (List<Cell> r : rows) {
      sb.append("<tr>");
      for (Cell c : r) {
        String tag = c.label() ? "th" : "td";
        sb.append('<').append(tag).append(c.label() ? " scope=\"row\"" : "").append('>');
        String t = Html.escape(c.text());
        sb.append(c.bold() ? "<b>" + t + "</b>" : t);
        sb.append("</").append(tag).append('>');
      }
      sb.append("</tr>\n");
    }
    return sb.append("</tbody>\n</table>\n").toString();
  }
}
