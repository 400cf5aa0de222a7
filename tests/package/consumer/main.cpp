// Uses mixprec as a consumer would; exits non-zero if a result is wrong.
#include <mixprec/random.hpp>
#include <mixprec/search/trial.hpp>

#include <cstdio>

int main() {
  mixprec::numpy_rng rng(1);
  // NumPy: (RandomState(1).rand() - 0.5) * 2 == -0.165955990594852
  const double v = (rng.random_sample() - 0.5) * 2;
  if (v != -0.165955990594852) {
    std::printf("consumer: wrong value %.17g\n", v);
    return 1;
  }
  std::printf("consumer ok\n");
  return 0;
}
