"""`python -m wcrecall` runs the command line."""

from wcrecall.cli.app import main

if __name__ == "__main__":
    main()
