"""Run every benchmark and print its figures: ``python -m benchmarks``."""

from benchmarks import flood, join_feature, secured_frames

if __name__ == "__main__":
    join_feature.main()
    secured_frames.main()
    flood.main()
