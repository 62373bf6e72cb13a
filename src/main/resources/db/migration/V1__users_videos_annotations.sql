-- otpx's first schema: Rumbl's users, videos and annotations, plus the store's identity.
-- One file serves PostgreSQL and the embedded H2 (which runs in its PostgreSQL mode), so every
-- statement here is in the SQL both accept. Never edit a migration that has shipped: add V2.

-- The store's identity: a single row made when the schema is created. Its epoch changes only when
-- the database is created anew, so a client that remembers it can tell that the ids it has seen
-- (its last_seen_id) belong to a database that no longer exists.
CREATE TABLE store_identity (
  singleton BOOLEAN DEFAULT TRUE PRIMARY KEY CHECK (singleton),
  epoch UUID NOT NULL DEFAULT gen_random_uuid(),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO store_identity (singleton) VALUES (TRUE);

-- People sign in with a password; InfoSys backends are users too (their answers are annotations by
-- them) but have no password, so nobody can sign in as one. Usernames are stored in their normal,
-- lower-case form, which makes the plain unique constraint case-insensitive.
CREATE TABLE users (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username VARCHAR(24) NOT NULL,
  kind VARCHAR(8) NOT NULL,
  password_hash VARCHAR(255),
  inserted_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT users_username_key UNIQUE (username),
  CONSTRAINT users_username_lower_case CHECK (username = LOWER(username)),
  CONSTRAINT users_kind CHECK (kind IN ('person', 'backend')),
  CONSTRAINT users_password_only_for_people CHECK ((kind = 'person') = (password_hash IS NOT NULL))
);
INSERT INTO users (username, kind) VALUES ('wolfram', 'backend'), ('calculator', 'backend'), ('clock', 'backend');

CREATE TABLE videos (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id),
  title VARCHAR(200) NOT NULL,
  url VARCHAR(2048) NOT NULL,
  inserted_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX videos_user_id ON videos (user_id);

-- Ids come from the identity sequence: they only grow, are never reused, and a rejoin's
-- last_seen_id keeps its meaning across restarts. at_ms is where in the video, in milliseconds.
CREATE TABLE annotations (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  video_id BIGINT NOT NULL REFERENCES videos (id),
  user_id BIGINT NOT NULL REFERENCES users (id),
  body TEXT NOT NULL,
  at_ms BIGINT NOT NULL CHECK (at_ms >= 0),
  inserted_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX annotations_video_id_id ON annotations (video_id, id);
CREATE INDEX annotations_user_id ON annotations (user_id);
