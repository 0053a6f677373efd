"""``python -m survey_api.cli``."""

from survey_api.cli import main

main()
