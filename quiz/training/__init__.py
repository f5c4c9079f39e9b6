"""Training: practice, the wrong-answer notebook, mastery, 安全知识闯关 levels, certificates, QR codes.

Two blueprints: ``training`` (/training/...) for signed-in users, and ``verify``
(/verify/<code>), the public page that confirms a certificate is genuine.
"""
