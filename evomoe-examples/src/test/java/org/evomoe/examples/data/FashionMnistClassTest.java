package org.evomoe.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FashionMnistClassTest {
  @Test
  void labelsWordsAndOfficialNamesFollowTheDocumentedMapping() {
    List<String> words =
        List.of(
            "tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
            "boot");
    List<String> official =
        List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
            "Bag", "Ankle boot");
    assertEquals(10, FashionMnistClass.values().length);
    for (int label = 0; label < 10; label++) {
      FashionMnistClass c = FashionMnistClass.ofLabel(label);
      assertEquals(label, c.label());
      assertEquals(words.get(label), c.word());
      assertEquals(official.get(label), c.officialName());
      assertEquals(c, FashionMnistClass.ofWord(words.get(label)));
      assertTrue(c.word().matches("[a-z]+"), c.word());
      assertTrue(c.pluralWord().matches("[a-z]+s"), c.pluralWord());
    }
    assertEquals("dresses", FashionMnistClass.DRESS.pluralWord());
    assertThrows(IllegalArgumentException.class, () -> FashionMnistClass.ofLabel(10));
    assertThrows(IllegalArgumentException.class, () -> FashionMnistClass.ofWord("hat"));
  }

  @Test
  void categoriesAreClothingFootwearAndBag() {
    Set<String> footwear = Set.of("sandal", "sneaker", "boot");
    for (FashionMnistClass c : FashionMnistClass.values()) {
      ItemCategory expected =
          footwear.contains(c.word())
              ? ItemCategory.FOOTWEAR
              : c.word().equals("bag") ? ItemCategory.ACCESSORY : ItemCategory.CLOTHING;
      assertEquals(expected, c.category(), c.word());
    }
  }

  @Test
  void lookalikesAreTheDocumentedSymmetricRelation() {
    Map<String, Set<String>> expected =
        Map.of(
            "tshirt", Set.of("pullover", "dress", "coat", "shirt"),
            "pullover", Set.of("tshirt", "dress", "coat", "shirt", "bag"),
            "dress", Set.of("tshirt", "pullover", "coat", "shirt", "trouser"),
            "coat", Set.of("tshirt", "pullover", "dress", "shirt"),
            "shirt", Set.of("tshirt", "pullover", "dress", "coat", "bag"),
            "sandal", Set.of("sneaker", "boot"),
            "sneaker", Set.of("sandal", "boot"),
            "boot", Set.of("sandal", "sneaker"),
            "trouser", Set.of("dress"),
            "bag", Set.of("shirt", "pullover"));
    for (FashionMnistClass c : FashionMnistClass.values()) {
      Set<String> got = new HashSet<>();
      c.lookalikes().forEach(o -> got.add(o.word()));
      assertEquals(expected.get(c.word()), got, c.word());
      assertFalse(c.lookalikes().contains(c));
      for (FashionMnistClass o : c.lookalikes()) {
        assertTrue(o.lookalikes().contains(c), o + " should look like " + c);
      }
    }
  }
}
