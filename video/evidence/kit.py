"""The verification kit written into every export: the standalone checker and how to run it.

Both files are listed in the signed manifest like the footage, so `csu export verify` (or the
kit itself, or `openssl` and `sha256sum`) shows a changed checker or changed instructions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from video.evidence import verify_export
from video.evidence.manifest import FileEntry, file_entry

VERIFIER = verify_export.VERIFIER
INSTRUCTIONS = verify_export.INSTRUCTIONS

# A document for a court expert, French first (the site's language), then English. It is not
# catalogue text: it travels inside the sealed export, identical in every one, both languages.
_TEXT = """\
VÉRIFIER CETTE EXPORTATION / VERIFYING THIS EXPORT
==================================================

FRANÇAIS

Ce dossier (ou cette archive zip) est une exportation d'images signée par le centre de
supervision urbaine. manifest.json liste chaque fichier avec sa taille et son empreinte SHA-256 ;
manifest.sig est la signature Ed25519 de manifest.json ; evidence-key.pub.pem est la clé publique
qui a signé. verify_export.py et ce texte sont eux-mêmes listés dans le manifeste signé.

1. Obtenez du centre, par un autre canal (courrier, remise en main propre), sa clé publique
   d'exportation (evidence-ed25519.pub.pem) ou son empreinte (SHA256:...). La clé jointe au
   dossier dit seulement qui a signé : elle ne prouve rien tant qu'elle n'est pas comparée.
2. Avec Python 3.10 ou plus et le paquet « cryptography » (pip install cryptography), ou à
   défaut la commande openssl 3 :
       python3 verify_export.py DOSSIER_OU_ZIP --public-key evidence-ed25519.pub.pem
   Sans la clé remise, omettez --public-key et comparez l'empreinte affichée à celle du centre.
3. Résultat : code 0 et « INTACT » quand tout correspond ; code 1 et une ligne par différence
   (fichier modifié, manquant ou ajouté, signature invalide, autre clé) ; code 2 quand
   l'exportation ne peut être vérifiée (archive dangereuse, clé illisible).
4. Sans Python : openssl pkeyutl -verify -pubin -inkey evidence-ed25519.pub.pem -rawin
   -in manifest.json -sigfile manifest.sig, puis sha256sum de chaque fichier comparé au manifeste.
   L'empreinte d'une clé : openssl pkey -pubin -in CLE.pub.pem -outform DER
   | openssl dgst -sha256 -binary | base64 | tr -d =

ENGLISH

This folder (or zip archive) is a signed footage export of the city supervision centre.
manifest.json lists every file with its size and SHA-256; manifest.sig is the Ed25519 signature
of manifest.json; evidence-key.pub.pem is the public key that signed. verify_export.py and this
text are themselves listed in the signed manifest.

1. Get the centre's export public key (evidence-ed25519.pub.pem) or its fingerprint (SHA256:...)
   by another channel (letter, in person). The key inside the export only says who signed: it
   proves nothing until it is compared.
2. With Python 3.10 or later and the "cryptography" package (pip install cryptography), or
   else the openssl 3 command:
       python3 verify_export.py FOLDER_OR_ZIP --public-key evidence-ed25519.pub.pem
   Without the handed-over key, leave out --public-key and compare the fingerprint printed
   with the centre's.
3. Result: exit 0 and "INTACT" when everything matches; exit 1 and one line per difference
   (a file changed, missing or added, a bad signature, another key); exit 2 when the export
   cannot be checked (an unsafe archive, an unreadable key).
4. Without Python: openssl pkeyutl -verify -pubin -inkey evidence-ed25519.pub.pem -rawin
   -in manifest.json -sigfile manifest.sig, then sha256sum each file against the manifest.
   A key's fingerprint: openssl pkey -pubin -in KEY.pub.pem -outform DER
   | openssl dgst -sha256 -binary | base64 | tr -d =
"""


def write_kit(folder: Path) -> list[FileEntry]:
    """Copy the checker and write its instructions into the export; their manifest entries."""
    verifier = folder / VERIFIER
    shutil.copyfile(Path(verify_export.__file__), verifier)
    instructions = folder / INSTRUCTIONS
    instructions.write_text(_TEXT, encoding="utf-8")
    return [
        file_entry(verifier, "text/x-python"),
        file_entry(instructions, "text/plain; charset=utf-8"),
    ]
