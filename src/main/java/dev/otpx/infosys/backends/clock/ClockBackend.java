package dev.otpx.infosys.backends.clock;

import dev.otpx.infosys.Backend;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An offline InfoSys backend that tells the current time and date in a city or time zone, from
 * {@code java.time} alone: "what time is it in Tokyo" → {@code 14:05 (Monday 23 November 2026) in
 * Tokyo, Asia/Tokyo (UTC+09:00)}. A question about the date or the day leads with the date instead:
 * "what's the date in New York" → {@code Monday 23 November 2026 (00:05) in New York,
 * America/New_York (UTC-05:00)}.
 *
 * <p><b>Questions.</b> A question is a time or date phrase ("what time is it", "what's the time",
 * "what is the date", "what day is it", "what is today's date", "current time", "time", "date",
 * "clock"), optionally with "now", "today" or "right now", optionally followed by "in", "at" or
 * "for" and a place. Only such whole questions are answered, so "what is 2+2" or "how much time
 * does it take" get no clock result.
 *
 * <p><b>Places</b> are matched without regard to case and in this order: a small table of cities
 * that are not zone ids ("San Francisco" → America/Los_Angeles, "Beijing" → Asia/Shanghai,
 * "Delhi" and "Mumbai" → Asia/Kolkata, "Washington" → America/New_York, …); any zone id from
 * {@link ZoneId#getAvailableZoneIds()} in full ("Europe/Paris", "UTC"); the last part of a zone id
 * with underscores read as spaces ("Tokyo", "New York", "Los Angeles"), preferring the continental
 * regions (Asia/, Europe/, America/, …) over legacy ids such as US/Pacific or a single word; and a fixed
 * offset such as "UTC+5" or "GMT-03:30". {@code Etc/GMT+5} and its kin are only matched in full,
 * because their sign is the reverse of what people expect. A part after a comma is dropped when the
 * whole does not match ("Tokyo, Japan").
 *
 * <p><b>Scoring.</b> A place that resolved scores {@value #PLACE_SCORE}: the time is exact, but the
 * reading of the place may not be the one meant (a city name shared by two zones, say). With no
 * place, the answer is in UTC and scores {@value #UTC_SCORE}, a guess: the server's own zone says
 * nothing about where the asker is, so it uses UTC, which at least is the same on every server and
 * names itself.
 *
 * <p><b>What it does not answer</b> (no result, never a failure): anything that is not a time or
 * date question as above; a place it cannot resolve ("what time is it in Atlantis"); queries
 * longer than {@value #MAX_QUERY_LENGTH} characters; and queries that arrive already cancelled.
 * Only a bug in this class fails the returned future.
 *
 * <p>{@link #compute} answers synchronously from an in-memory index built once per JVM, so it never
 * blocks its context and holds no timers to cancel. Times come from an injectable {@link Clock}.
 */
public final class ClockBackend implements Backend {

  /** The backend's name, {@value}. */
  public static final String NAME = "clock";

  /** The score of an answer for a named place, {@value}. */
  public static final double PLACE_SCORE = 80;

  /** The score of an answer with no place given, in UTC, {@value}: a guess. */
  public static final double UTC_SCORE = 40;

  /** The longest query looked at, {@value}; no time question is longer. */
  public static final int MAX_QUERY_LENGTH = 200;

  private static final ZoneId UTC = ZoneId.of("UTC");

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm", Locale.ENGLISH);

  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEEE d MMMM uuuu", Locale.ENGLISH);

  private static final String QUESTION = "(?:(?:tell me|give me|show me|do you know|can you tell me)\\s+)?"
    + "(?:what\\s+(?:time|date|day)\\s+is\\s+(?:it|today)"
    + "|what\\s+is\\s+the\\s+(?:current\\s+|local\\s+)?(?:time|date|day)"
    + "|what\\s+is\\s+today's\\s+date"
    + "|today's\\s+date"
    + "|(?:the\\s+)?(?:current\\s+|local\\s+)?(?:time|date|clock))";

  private static final String NOW = "(?:\\s+(?:now|right\\s+now|today|currently))?";

  private static final Pattern ASKED = Pattern.compile(
    "(?<question>" + QUESTION + ")" + NOW + "(?:\\s+(?:in|at|for)\\s+(?<place>.+?))?" + NOW);

  private static final Pattern ABOUT_THE_DATE = Pattern.compile("\\b(?:date|day)\\b");

  private static final Pattern OFFSET = Pattern.compile("(?:utc|gmt)\\s*([+-])\\s*(\\d{1,2})(?::?(\\d{2}))?");

  /** Cities people ask about that are not the last part of a zone id: label, zone id. */
  private static final String[][] ALIASES = {
    {"San Francisco", "America/Los_Angeles"}, {"Seattle", "America/Los_Angeles"},
    {"San Diego", "America/Los_Angeles"}, {"Las Vegas", "America/Los_Angeles"},
    {"Washington", "America/New_York"}, {"Washington DC", "America/New_York"},
    {"New York City", "America/New_York"},
    {"Boston", "America/New_York"}, {"Miami", "America/New_York"}, {"Atlanta", "America/New_York"},
    {"Philadelphia", "America/New_York"}, {"Houston", "America/Chicago"}, {"Dallas", "America/Chicago"},
    {"Montreal", "America/Toronto"}, {"Ottawa", "America/Toronto"},
    {"Rio de Janeiro", "America/Sao_Paulo"}, {"Beijing", "Asia/Shanghai"},
    {"New Delhi", "Asia/Kolkata"}, {"Delhi", "Asia/Kolkata"}, {"Mumbai", "Asia/Kolkata"},
    {"Bangalore", "Asia/Kolkata"}, {"Osaka", "Asia/Tokyo"}, {"Kyoto", "Asia/Tokyo"},
    {"Tel Aviv", "Asia/Jerusalem"}, {"Ho Chi Minh City", "Asia/Ho_Chi_Minh"},
    {"Munich", "Europe/Berlin"}, {"Frankfurt", "Europe/Berlin"}, {"Hamburg", "Europe/Berlin"},
    {"Milan", "Europe/Rome"}, {"Barcelona", "Europe/Madrid"}, {"Geneva", "Europe/Zurich"},
    {"Manchester", "Europe/London"}, {"Edinburgh", "Europe/London"},
    {"Saint Petersburg", "Europe/Moscow"}, {"St Petersburg", "Europe/Moscow"},
  };

  /** Continental regions, whose zone ids name the cities people ask about. */
  private static final List<String> REGIONS = List.of(
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/");

  private static final Map<String, Place> PLACES = index();

  /** A place people name, and its zone. */
  private record Place(String label, ZoneId zone) {
  }

  private final Clock clock;

  /** Creates the backend on the system clock; it needs no configuration. */
  public ClockBackend() {
    this(Clock.systemUTC());
  }

  /**
   * Creates the backend on a given clock, so tests can fix the time. Only the clock's instant is
   * read, never its zone.
   */
  ClockBackend(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Tells the time and date asked about.
   *
   * @param query the question, e.g. "what time is it in Tokyo"
   * @param options only the cancellation is read: a query already cancelled gets no result
   * @return one result, scored {@value #PLACE_SCORE} for a named place or {@value #UTC_SCORE} for
   *     UTC when none is given, or none when the query is not a time question or its place is
   *     unknown; failed only by a bug in this class
   */
  @Override
  public Future<List<Result>> compute(String query, ComputeOptions options) {
    try {
      Objects.requireNonNull(query, "query");
      if (options.cancellation().cancelled()) {
        return Future.succeededFuture(List.of());
      }
      return Future.succeededFuture(answer(query, clock.instant()).map(List::of).orElse(List.of()));
    } catch (RuntimeException bug) {
      return Future.failedFuture(bug);
    }
  }

  private static Optional<Result> answer(String query, Instant now) {
    if (query.length() > MAX_QUERY_LENGTH) {
      return Optional.empty();
    }
    String text = query.toLowerCase(Locale.ROOT)
      .replace('’', '\'')
      .replaceAll("\\bwhat'?s\\b", "what is")
      .replaceAll("[?!.\\s]+$", "")
      .strip()
      .replaceAll("\\s+", " ");
    Matcher asked = ASKED.matcher(text);
    if (!asked.matches()) {
      return Optional.empty();
    }
    boolean dateFirst = ABOUT_THE_DATE.matcher(asked.group("question")).find();
    String place = asked.group("place");
    if (place == null) {
      return Optional.of(Result.of(NAME, describe(new Place("UTC", UTC), now, dateFirst), UTC_SCORE));
    }
    return resolve(place).map(where -> Result.of(NAME, describe(where, now, dateFirst), PLACE_SCORE));
  }

  /** The place named, trying the part before a comma when the whole is unknown ("Tokyo, Japan"). */
  private static Optional<Place> resolve(String place) {
    Optional<Place> whole = lookUp(place);
    int comma = place.indexOf(',');
    return whole.isPresent() || comma < 0 ? whole : lookUp(place.substring(0, comma));
  }

  private static Optional<Place> lookUp(String place) {
    String key = key(place.strip().replaceFirst("^the\\s+", ""));
    Place known = PLACES.get(key);
    if (known != null) {
      return Optional.of(known);
    }
    Matcher offset = OFFSET.matcher(key);
    if (!offset.matches()) {
      return Optional.empty();
    }
    try {
      int sign = offset.group(1).equals("-") ? -1 : 1;
      int minutes = offset.group(3) == null ? 0 : Integer.parseInt(offset.group(3));
      ZoneOffset utcOffset = ZoneOffset.ofHoursMinutes(sign * Integer.parseInt(offset.group(2)), sign * minutes);
      ZoneId zone = ZoneId.ofOffset("UTC", utcOffset);
      return Optional.of(new Place(zone.getId(), zone));
    } catch (DateTimeException outOfRange) {
      // ZoneOffset refuses offsets beyond ±18:00 or with bad minutes: an unknown place.
      return Optional.empty();
    }
  }

  private static String describe(Place place, Instant now, boolean dateFirst) {
    ZonedDateTime local = now.atZone(place.zone());
    String time = TIME.format(local);
    String date = DATE.format(local);
    ZoneOffset offset = local.getOffset();
    String utcOffset = "UTC" + (offset.getTotalSeconds() == 0 ? "+00:00" : offset.getId());
    String where = place.label().equals(place.zone().getId()) ? place.label() : place.label() + ", " + place.zone().getId();
    String when = dateFirst ? date + " (" + time + ")" : time + " (" + date + ")";
    return when + " in " + where + (where.equals(utcOffset) ? "" : " (" + utcOffset + ")");
  }

  /**
   * Builds the case-insensitive index of places. A key keeps the place of the best rank: aliases
   * first, then zone ids in full, then the last part of a regional id, of a US/ id ("Pacific"), of
   * another legacy id, and last a one-word id ("Japan").
   */
  private static Map<String, Place> index() {
    Map<String, Place> places = new HashMap<>();
    Map<String, Integer> ranks = new HashMap<>();
    for (String[] alias : ALIASES) {
      put(places, ranks, alias[0], new Place(alias[0], ZoneId.of(alias[1])), 0);
    }
    List<String> ids = new ArrayList<>(ZoneId.getAvailableZoneIds());
    ids.sort(null);
    for (String id : ids) {
      ZoneId zone = ZoneId.of(id);
      int slash = id.lastIndexOf('/');
      String city = id.substring(slash + 1).replace('_', ' ');
      if (slash >= 0) {
        put(places, ranks, id.replace('_', ' '), new Place(city, zone), 1);
      }
      if (id.startsWith("Etc/") || id.startsWith("SystemV/")) {
        continue;
      }
      int rank = REGIONS.stream().anyMatch(id::startsWith) ? 2 : id.startsWith("US/") ? 3 : slash >= 0 ? 4 : 5;
      put(places, ranks, city, new Place(city, zone), rank);
    }
    return Map.copyOf(places);
  }

  private static void put(Map<String, Place> places, Map<String, Integer> ranks, String name, Place place, int rank) {
    String key = key(name);
    Integer held = ranks.get(key);
    // Ids come sorted, so among equals the first in order wins and the index is the same every run.
    if (held == null || rank < held) {
      places.put(key, place);
      ranks.put(key, rank);
    }
  }

  /** A place's key: lower case, underscores as spaces, no dots ("St. Petersburg", "Washington D.C."). */
  private static String key(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', ' ').replace(".", "").replaceAll("\\s+", " ");
  }
}
