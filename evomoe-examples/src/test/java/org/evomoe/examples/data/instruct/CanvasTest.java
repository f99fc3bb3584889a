package org.evomoe.examples.data.instruct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.evomoe.examples.data.EmbeddedFashionMnist;
import org.evomoe.examples.data.FashionMnistClass;
import org.evomoe.examples.data.FashionMnistSplit;
import org.evomoe.examples.data.ItemCategory;
import org.evomoe.examples.data.SplitKind;
import org.junit.jupiter.api.Test;

class CanvasTest {
  @Test
  void cellsHoldTheirSourceImagesAndEmptyCellsAreBlack() throws IOException {
    FashionMnistSplit pool = EmbeddedFashionMnist.load().test();
    int bag = pool.indicesOf(FashionMnistClass.BAG)[0];
    int bag2 = pool.indicesOf(FashionMnistClass.BAG)[1];
    int boot = pool.indicesOf(FashionMnistClass.ANKLE_BOOT)[0];
    Map<CanvasCell, Integer> placement = new EnumMap<>(CanvasCell.class);
    placement.put(CanvasCell.BOTTOM_RIGHT, bag);
    placement.put(CanvasCell.TOP_LEFT, boot);
    placement.put(CanvasCell.BOTTOM_LEFT, bag2);
    Canvas canvas = Canvas.compose(pool, placement);

    assertEquals(
        List.of(
            new CanvasItem(
                CanvasCell.TOP_LEFT,
                FashionMnistClass.ANKLE_BOOT,
                new SourceImageId(SplitKind.TEST, boot)),
            new CanvasItem(
                CanvasCell.BOTTOM_LEFT, FashionMnistClass.BAG, new SourceImageId(SplitKind.TEST, bag2)),
            new CanvasItem(
                CanvasCell.BOTTOM_RIGHT, FashionMnistClass.BAG, new SourceImageId(SplitKind.TEST, bag))),
        canvas.items());
    for (int r = 0; r < 28; r++) {
      for (int c = 0; c < 28; c++) {
        assertEquals(pool.pixel(boot, r, c), canvas.pixel(r, c));
        assertEquals(0, canvas.pixel(r, 28 + c)); // top right is empty
        assertEquals(pool.pixel(bag2, r, c), canvas.pixel(28 + r, c));
        assertEquals(pool.pixel(bag, r, c), canvas.pixel(28 + r, 28 + c));
      }
    }
    assertEquals(2, canvas.count(FashionMnistClass.BAG));
    assertEquals(0, canvas.count(FashionMnistClass.COAT));
    assertEquals(1, canvas.count(ItemCategory.FOOTWEAR));
    assertEquals(Set.of(FashionMnistClass.BAG, FashionMnistClass.ANKLE_BOOT), canvas.presentClasses());
    assertTrue(canvas.itemAt(CanvasCell.TOP_RIGHT).isEmpty());

    float[] f = canvas.pixelsAsFloats();
    byte[] b = canvas.copyPixels();
    assertEquals(56 * 56, f.length);
    for (int i = 0; i < f.length; i++) {
      assertEquals((b[i] & 0xFF) / 255f, f[i]);
      assertTrue(f[i] >= 0 && f[i] <= 1);
    }
    assertThrows(IllegalArgumentException.class, () -> Canvas.compose(pool, Map.of()));
  }
}
