from fepproof.cli.main import entry

entry()
