"""Run every benchmark and print its figures: ``python -m benchmarks``."""

from benchmarks import dos_flood, flood, hes_ingest, join_feature, metering_day, monitors, secured_frames

if __name__ == "__main__":
    join_feature.main()
    secured_frames.main()
    flood.main()
    dos_flood.main()
    metering_day.main()
    hes_ingest.main()
    monitors.main()
