"""Local fake platforms (Zalo OA API, Facebook Graph API) served over real HTTP on 127.0.0.1."""
