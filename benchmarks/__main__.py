"""Run every benchmark and print its figures: ``python -m benchmarks``."""

from benchmarks import join_feature

if __name__ == "__main__":
    join_feature.main()
