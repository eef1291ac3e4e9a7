"""Regenerate the request samples of seeds 003, 000 and 004 in tests/data/platforms/*_seed_samples.json
(the extraction is :func:`extract_seed_samples.main_requests`; this file only runs it, since that
module's own command line reads seed 001 first).

Run: python tools/extract_seed_requests.py SEEDS/003_*.txt SEEDS/000_*.txt SEEDS/004_*.txt
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_seed_samples import main_requests  # noqa: E402

if __name__ == "__main__":
    main_requests(*sys.argv[1:4])
