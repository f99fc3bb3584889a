package org.evomoe.examples.report;

import java.util.List;

/**
 * One section of the report page.
 *
 * @param id the HTML anchor (letters, digits and dashes)
 * @param title the heading
 * @param description what the section shows (plain text)
 * @param tables tables shown before the figures
 * @param figures the charts, in order
 * @param notes what was skipped and why (plain text), shown after the figures
 */
record ReportSection(String id, String title, String description, List<HtmlTable> tables,
    List<ReportFigure> figures, List<String> notes) {
  ReportSection {
    if (id == null || !id.matches("[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException("section id must be letters, digits and dashes: " + id);
    }
    tables = List.copyOf(tables);
    figures = List.copyOf(figures);
    notes = List.copyOf(notes);
  }
}
