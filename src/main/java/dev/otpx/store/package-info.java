/**
 * otpx's durable data: users, videos and annotations in SQL, through the Vert.x SQL client.
 * PostgreSQL in production ({@code OTPX_DATABASE_URL}), an embedded H2 database file by default;
 * the schema comes from Flyway migrations in {@code db/migration}.
 *
 * <p>The public API is {@link dev.otpx.store.Store} (open, close, {@code ping}, the epoch) and its
 * three tables, {@link dev.otpx.store.Annotations}, {@link dev.otpx.store.Users} and
 * {@link dev.otpx.store.Videos}; every failure is a {@link dev.otpx.store.StoreException} with a
 * named {@link dev.otpx.store.StoreException.Failure}. The pool, the dialects and the migrations
 * stay behind it.
 */
package dev.otpx.store;
