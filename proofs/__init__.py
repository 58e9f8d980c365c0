"""The paper's proofs as obligations (one file per result).  Installed with the package
as ``fepproof._proofs``; ``fepproof prove`` runs them by default from any directory."""
