"""Audio: media files in, encounter/v1 out (transcription, speakers, delivery), and live mode."""
