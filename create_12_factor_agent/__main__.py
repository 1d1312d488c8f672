"""`python -m create_12_factor_agent` runs the CLI."""

from create_12_factor_agent.launch import main

main()
