-- chat.unfurl: an app's unfurls of the links in a message, a JSON array of
-- attachments (`app_unfurl_url`, `is_app_unfurl`, `app_id` plus what the app
-- sent), shown after the message's own attachments.
ALTER TABLE messages ADD COLUMN unfurls TEXT;
