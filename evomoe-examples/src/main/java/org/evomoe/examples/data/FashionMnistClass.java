package org.evomoe.examples.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The ten Fashion-MNIST classes, with the single-token words used in instruction text.
 *
 * <p>Mapping (label: official name -> word / plural): 0 T-shirt/top -> tshirt / tshirts, 1 Trouser
 * -> trouser / trousers, 2 Pullover -> pullover / pullovers, 3 Dress -> dress / dresses, 4 Coat ->
 * coat / coats, 5 Sandal -> sandal / sandals, 6 Shirt -> shirt / shirts, 7 Sneaker -> sneaker /
 * sneakers, 8 Bag -> bag / bags, 9 Ankle boot -> boot / boots.
 *
 * <p>Look-alikes (a symmetric relation, used for adversarial existence probes): the upper-body
 * garments tshirt, pullover, dress, coat and shirt all look alike; the footwear sandal, sneaker and
 * boot all look alike; trouser looks like dress; bag looks like shirt and pullover. The last two
 * pairs follow the nearest class-mean images of the 60,000 training images (see docs/data.md).
 */
public enum FashionMnistClass {
  TSHIRT(0, "tshirt", "tshirts", "T-shirt/top", ItemCategory.CLOTHING),
  TROUSER(1, "trouser", "trousers", "Trouser", ItemCategory.CLOTHING),
  PULLOVER(2, "pullover", "pullovers", "Pullover", ItemCategory.CLOTHING),
  DRESS(3, "dress", "dresses", "Dress", ItemCategory.CLOTHING),
  COAT(4, "coat", "coats", "Coat", ItemCategory.CLOTHING),
  SANDAL(5, "sandal", "sandals", "Sandal", ItemCategory.FOOTWEAR),
  SHIRT(6, "shirt", "shirts", "Shirt", ItemCategory.CLOTHING),
  SNEAKER(7, "sneaker", "sneakers", "Sneaker", ItemCategory.FOOTWEAR),
  BAG(8, "bag", "bags", "Bag", ItemCategory.ACCESSORY),
  ANKLE_BOOT(9, "boot", "boots", "Ankle boot", ItemCategory.FOOTWEAR);

  /** Number of classes; labels are {@code 0..COUNT-1}. */
  public static final int COUNT = 10;

  private static final FashionMnistClass[] BY_LABEL = values();
  private static final Map<FashionMnistClass, Set<FashionMnistClass>> LOOKALIKES = buildLookalikes();

  private final int label;
  private final String word;
  private final String pluralWord;
  private final String officialName;
  private final ItemCategory category;

  FashionMnistClass(
      int label, String word, String pluralWord, String officialName, ItemCategory category) {
    this.label = label;
    this.word = word;
    this.pluralWord = pluralWord;
    this.officialName = officialName;
    this.category = category;
  }

  /** The label in the IDX files, 0..9. */
  public int label() {
    return label;
  }

  /** The single lowercase token naming one item, e.g. {@code boot}. */
  public String word() {
    return word;
  }

  /** The plural token, e.g. {@code dresses}. */
  public String pluralWord() {
    return pluralWord;
  }

  /** The name in the Fashion-MNIST documentation, e.g. {@code Ankle boot}. */
  public String officialName() {
    return officialName;
  }

  public ItemCategory category() {
    return category;
  }

  /** The other classes this one is easily mistaken for (never itself), unmodifiable. */
  public Set<FashionMnistClass> lookalikes() {
    return LOOKALIKES.get(this);
  }

  /** The class with this label. */
  public static FashionMnistClass ofLabel(int label) {
    if (label < 0 || label >= COUNT) {
      throw new IllegalArgumentException("Fashion-MNIST label must be in 0..9, got " + label);
    }
    return BY_LABEL[label];
  }

  /** The class named by this singular word, e.g. {@code sneaker}. */
  public static FashionMnistClass ofWord(String word) {
    for (FashionMnistClass c : BY_LABEL) {
      if (c.word.equals(word)) {
        return c;
      }
    }
    throw new IllegalArgumentException("not a Fashion-MNIST class word: '" + word + "'");
  }

  private static Map<FashionMnistClass, Set<FashionMnistClass>> buildLookalikes() {
    Map<FashionMnistClass, Set<FashionMnistClass>> m = new EnumMap<>(FashionMnistClass.class);
    for (FashionMnistClass c : values()) {
      m.put(c, EnumSet.noneOf(FashionMnistClass.class));
    }
    Set<FashionMnistClass> upperBody = EnumSet.of(TSHIRT, PULLOVER, DRESS, COAT, SHIRT);
    Set<FashionMnistClass> footwear = EnumSet.of(SANDAL, SNEAKER, ANKLE_BOOT);
    for (Set<FashionMnistClass> group : java.util.List.of(upperBody, footwear)) {
      for (FashionMnistClass a : group) {
        for (FashionMnistClass b : group) {
          if (a != b) {
            m.get(a).add(b);
          }
        }
      }
    }
    link(m, TROUSER, DRESS);
    link(m, BAG, SHIRT);
    link(m, BAG, PULLOVER);
    m.replaceAll((k, v) -> Collections.unmodifiableSet(v));
    return m;
  }

  private static void link(
      Map<FashionMnistClass, Set<FashionMnistClass>> m, FashionMnistClass a, FashionMnistClass b) {
    m.get(a).add(b);
    m.get(b).add(a);
  }
}
