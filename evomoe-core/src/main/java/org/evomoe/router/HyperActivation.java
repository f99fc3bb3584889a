package org.evomoe.router;

/**
 * The activation between the two linear layers of a DTR hypernetwork: hidden = act(z W1^T + b1).
 * The paper prints none ({@link #NONE}, the default); the others are an option.
 */
public enum HyperActivation {
  /** Identity, as printed in the paper: Theta is then an affine function of z. */
  NONE,
  /** x * sigmoid(x). */
  SILU,
  /** GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  GELU_TANH,
  /** tanh(x). */
  TANH;

  private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
  private static final double GELU_A = 0.044715;

  /** act(x). */
  public double apply(double x) {
    return switch (this) {
      case NONE -> x;
      case SILU -> x / (1.0 + Math.exp(-x));
      case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(GELU_C * (x + GELU_A * x * x * x)));
      case TANH -> Math.tanh(x);
    };
  }

  /** d act(x) / dx. */
  public double derivative(double x) {
    return switch (this) {
      case NONE -> 1.0;
      case SILU -> {
        double s = 1.0 / (1.0 + Math.exp(-x));
        yield s * (1.0 + x * (1.0 - s));
      }
      case GELU_TANH -> {
        double u = GELU_C * (x + GELU_A * x * x * x);
        double th = Math.tanh(u);
        double du = GELU_C * (1.0 + 3.0 * GELU_A * x * x);
        yield 0.5 * (1.0 + th) + 0.5 * x * (1.0 - th * th) * du;
      }
      case TANH -> {
        double th = Math.tanh(x);
        yield 1.0 - th * th;
      }
    };
  }
}
