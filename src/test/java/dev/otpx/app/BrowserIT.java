package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import dev.otpx.channels.BridgeTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser client end to end: the jar as an operator runs it ({@code java -jar target/otpx.jar})
 * and real headless Chromium browsers on its page at {@code /}. Alice creates her account on the
 * page (username and password), adds a video and joins it, asks {@code what is 2 + 2} and sees the
 * calculator's {@code 4} arrive as an annotation; Bob creates his, picks the same video from the
 * list, finds Alice present and her post in the history, and the two see each other's posts and
 * presence, including Bob leaving. A wrong password is refused on the page. Then what a connection
 * goes through:
 * <ul>
 *   <li>a network drop: Alice's connection is cut while Bob posts, her page reconnects by itself,
 *       rejoins (one join request) with the last id it has and gets only what it missed;</li>
 *   <li>a client of the bridge joins, leaves, joins on another socket and drops both: Alice's
 *       presence list is each time what that client's join reply says the server has;</li>
 *   <li>a half-open connection the server cannot tell is gone: her page drops her old socket from
 *       presence, which the server still lists;</li>
 *   <li>a server restart: the annotations are in the database, so her page rejoins under the same
 *       epoch with nothing missed and everything still shown; Bob, joining after the restart, finds
 *       them all, and his new post reaches her;</li>
 *   <li>a restart with a new token secret: her rejoin is refused, and the page says so once,
 *       never green, and offers to sign in again.</li>
 * </ul>
 *
 * <p>It drives Debian's {@code chromium} with the {@code chromedriver} built from the same source,
 * both named explicitly, so Selenium Manager never downloads anything (failsafe also sets
 * {@code SE_OFFLINE}). Without them the test fails: {@code .ci/run} installs them. Screenshots go
 * to {@code target/browser-it-*.png}. Every wait is on the page or the service's log, never on time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BrowserIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** Long enough for InfoSys's answer (its timeout is 10 s) on a slow CI machine. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** The token secret the service starts with, so that sessions survive a restart. */
  private static final String SECRET = "browser-it-secret-0123456789abcdef-one";
  /** Another secret: every session signed with the first one is refused. */
  private static final String OTHER_SECRET = "browser-it-secret-0123456789abcdef-two";

  @TempDir
  Path dataDir;
  /** The log of the services stopped before the one running, for a failure's dump. */
  private final List<String> earlierLog = new CopyOnWriteArrayList<>();
  private final List<WebDriver> drivers = new ArrayList<>();
  private final List<Path> profiles = new ArrayList<>();
  /** Who has an account on the service: the page signs them in rather than up. */
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private ServiceJar service;
  private int port;
  private String base;
  private Link link;

  @BeforeEach
  void startTheJar() throws IOException {
    // Fail, not skip: a CI machine without the browser must not pass by running nothing.
    assertThat(Files.isExecutable(CHROMIUM))
      .withFailMessage("%s is missing: apt-get install -y chromium chromium-driver (.ci/run does)", CHROMIUM).isTrue();
    assertThat(Files.isExecutable(CHROMEDRIVER))
      .withFailMessage("%s is missing: apt-get install -y chromium chromium-driver (.ci/run does)", CHROMEDRIVER).isTrue();

    port = ServiceJar.freePort();
    startService(SECRET);
    base = "http://127.0.0.1:" + port + "/";
  }

  /** Starts the jar on {@link #port} and returns once it listens. */
  private void startService(String secret) throws IOException {
    service = ServiceJar.start(dataDir, port, Map.of("OTPX_TOKEN_SECRET", secret));
  }

  /**
   * Stops the service as an operator does (SIGTERM) and starts a new one on the same port and the
   * same data directory: accounts, videos and annotations are still there.
   */
  private void restartService(String secret) throws IOException, InterruptedException {
    service.stop();
    earlierLog.addAll(service.log());
    earlierLog.add("---- browser-it: restarting the service");
    startService(secret);
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    drivers.forEach(WebDriver::quit);
    if (link != null) {
      link.close();
    }
    if (service != null) {
      service.close();
    }
    profiles.forEach(BrowserIT::deleteQuietly);
  }

  private WebDriver browser() throws IOException {
    Path profile = Files.createTempDirectory("chromium-it-");
    profiles.add(profile);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage", "--window-size=1280,960", "--user-data-dir=" + profile);
    ChromeDriverService driverService = new ChromeDriverService.Builder()
      .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    WebDriver driver = new ChromeDriver(driverService, options);
    drivers.add(driver);
    return driver;
  }

  private static WebDriverWait waitOn(WebDriver driver) {
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    // The presence list is redrawn on every change.
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /** Signs in on a fresh page (creating the account the first time) and joins video 1, adding it if there is none. */
  private void signInAndJoin(WebDriver driver, String username) {
    signInAndJoin(driver, username, base);
  }

  private void signInAndJoin(WebDriver driver, String username, String page) {
    WebDriverWait wait = waitOn(driver);
    driver.get(page);
    signIn(driver, username);
    wait.until(ExpectedConditions.attributeToBe(By.id("videos"), "data-loaded", "true"));
    List<WebElement> videos = driver.findElements(By.cssSelector("#videos .video-item"));
    if (videos.isEmpty()) {
      // The first person adds the video; the page joins it once it is added.
      driver.findElement(By.id("video-title")).sendKeys("The making of Rumbl");
      driver.findElement(By.id("video-url")).sendKeys("https://videos.example/rumbl");
      driver.findElement(By.id("add-video")).click();
    } else {
      videos.get(0).click();
    }
    wait.until(ExpectedConditions.textToBe(By.id("topic-label"), "In videos:1"));
    assertThat(driver.findElement(By.id("video")).getAttribute("value")).isEqualTo("1");
    assertThat(driver.findElement(By.id("screen-title")).getText()).isEqualTo("The making of Rumbl");
    wait.until(ExpectedConditions.elementToBeClickable(By.id("body")));
    wait.until(present(username));
  }

  /**
   * Signs in on the page showing its sign-in view, with a username and password typed in: creating
   * the account the first time this test signs the user in, signing in after that. Waits until the
   * page is connected.
   */
  private void signIn(WebDriver driver, String username) {
    WebDriverWait wait = waitOn(driver);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
    driver.findElement(By.id("username")).clear();
    driver.findElement(By.id("username")).sendKeys(username);
    driver.findElement(By.id("password")).sendKeys(password(username));
    driver.findElement(By.id(registered.add(username) ? "sign-up" : "sign-in")).click();
    wait.until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "open"));
  }

  private static String password(String username) {
    return "password of " + username;
  }

  private static void post(WebDriver driver, String body) {
    WebElement input = waitOn(driver).until(ExpectedConditions.elementToBeClickable(By.id("body")));
    input.sendKeys(body);
    driver.findElement(By.id("post")).click();
  }

  /** An annotation by {@code user} whose text is exactly {@code body}, once the page shows it. */
  private static ExpectedCondition<WebElement> annotation(String user, String body) {
    By by = By.cssSelector("#annotations li.annotation[data-user='" + user + "']");
    return driver -> driver.findElements(by).stream()
      .filter(item -> item.findElement(By.className("annotation-body")).getText().equals(body))
      .findFirst().orElse(null);
  }

  private static ExpectedCondition<Boolean> present(String user) {
    return driver -> !driver.findElements(inPresence(user)).isEmpty();
  }

  private static ExpectedCondition<Boolean> absent(String user) {
    return driver -> driver.findElements(inPresence(user)).isEmpty();
  }

  private static By inPresence(String user) {
    return By.cssSelector("#presence li[data-user='" + user + "']");
  }

  private static List<String> presence(WebDriver driver) {
    return driver.findElements(By.cssSelector("#presence li")).stream().map(item -> item.getAttribute("data-user")).toList();
  }

  private void screenshot(WebDriver driver, String name) {
    try {
      Path target = Path.of("target", "browser-it-" + name + ".png");
      Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      service.note("screenshot " + name + " failed: " + e);
    }
  }

  @Test
  void twoPeopleJoinAVideoSeeEachOtherAndTheCalculatorAnswers() throws IOException {
    WebDriver alice = browser();
    WebDriver bob = browser();
    try {
      signInAndJoin(alice, "alice");
      assertThat(alice.findElements(By.cssSelector("#videos .video-item"))).hasSize(1);
      screenshot(alice, "alice-joined");
      post(alice, "what is 2 + 2");
      waitOn(alice).until(annotation("alice", "what is 2 + 2"));
      WebElement answer = waitOn(alice).until(annotation("calculator", "4"));
      // InfoSys answers are marked as such, not shown like a person's post.
      assertThat(answer.getAttribute("class")).contains("is-bot");
      assertThat(answer.findElement(By.className("badge")).getAttribute("textContent")).isEqualTo("InfoSys");

      signInAndJoin(bob, "bob");
      // Bob's join brings the history and who is here; Alice hears that Bob arrived.
      waitOn(bob).until(annotation("alice", "what is 2 + 2"));
      waitOn(bob).until(annotation("calculator", "4"));
      waitOn(bob).until(present("alice"));
      waitOn(alice).until(present("bob"));
      assertThat(presence(bob)).containsExactly("bob", "alice");
      assertThat(presence(alice)).containsExactly("alice", "bob");

      post(bob, "hello alice, nice scene");
      waitOn(alice).until(annotation("bob", "hello alice, nice scene"));
      waitOn(bob).until(annotation("bob", "hello alice, nice scene"));
      waitOn(bob).until(ExpectedConditions.textToBe(By.id("ann-count"), "3"));
      screenshot(alice, "alice");
      screenshot(bob, "bob");

      // Bob leaves: Alice's presence drops him, and his post stays.
      bob.findElement(By.id("sign-out")).click();
      waitOn(bob).until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
      waitOn(alice).until(absent("bob"));
      assertThat(presence(alice)).containsExactly("alice");
      assertThat(alice.findElement(By.id("ann-count")).getText()).isEqualTo("3");
      assertThat(alice.findElement(By.id("conn")).getAttribute("data-state")).isEqualTo("open");
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      screenshot(bob, "failure-bob");
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    }
  }

  @Test
  void aDroppedConnectionReconnectsRejoinsAndCatchesUpOnlyOnWhatItMissed() throws IOException {
    link = new Link(port);
    WebDriver alice = browser();
    WebDriver bob = browser();
    try {
      // Alice reaches the service through a link the test can cut; Bob connects directly.
      signInAndJoin(alice, "alice", "http://127.0.0.1:" + link.port() + "/");
      post(alice, "before the drop");
      waitOn(alice).until(annotation("alice", "before the drop"));
      signInAndJoin(bob, "bob");
      waitOn(bob).until(present("alice"));

      int joinsBefore = joinRequests(alice);
      link.drop();
      waitOn(alice).until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "reconnecting"));
      // Offline, her page cannot know who is here: it shows nobody rather than who was.
      waitOn(alice).until(driver -> presence(driver).isEmpty());
      assertThat(alice.findElement(By.id("presence-empty")).getText()).startsWith("Offline");
      // The server saw her socket close: she left the topic.
      waitOn(bob).until(absent("alice"));
      post(bob, "while you were away");
      waitOn(bob).until(annotation("bob", "while you were away"));
      screenshot(alice, "alice-offline");

      link.restore();
      // The rejoin asks for ids above the last one she had: the server sends Bob's post alone.
      waitOn(alice).until(ExpectedConditions.textToBe(By.id("conn-text"), "Rejoined: caught up on 1 missed"));
      // One join for the rejoin: it registers her socket on the topic too (no register, then join again).
      assertThat(joinRequests(alice)).isEqualTo(joinsBefore + 1);
      waitOn(alice).until(annotation("bob", "while you were away"));
      assertThat(alice.findElement(By.id("ann-count")).getText()).isEqualTo("2");
      waitOn(alice).until(present("bob"));
      waitOn(bob).until(present("alice"));

      // Her handlers are registered again on the new socket: posts flow both ways.
      post(alice, "back again");
      waitOn(bob).until(annotation("alice", "back again"));
      post(bob, "welcome back");
      waitOn(alice).until(annotation("bob", "welcome back"));
      assertThat(alice.findElement(By.id("ann-count")).getText()).isEqualTo("4");
      screenshot(alice, "alice-rejoined");
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      screenshot(bob, "failure-bob");
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    }
  }

  @Test
  void whoThePageShowsIsWhoTheServerListsAsSomeoneJoinsLeavesAndDrops() throws Exception {
    WebDriver alice = browser();
    Vertx vertx = Vertx.vertx();
    try {
      signInAndJoin(alice, "alice");
      // Carol is a client of the bridge: her join's reply is the server's presence, not a page's.
      String token = signUpOverHttp("carol");
      JsonObject join = new JsonObject().put("topic", "videos:1").put("last_seen_id", 0).put("register", true);
      BridgeTestClient carol = await(BridgeTestClient.connect(vertx, port));
      JsonObject first = await(carol.request("channels.join", join, token)).getJsonObject("body");
      assertThat(first.getInteger("presence_count")).isEqualTo(2);
      Set<String> server = first.getJsonObject("presence_state").fieldNames();
      assertThat(server).containsExactlyInAnyOrder("alice", "carol");
      waitOn(alice).until(driver -> Set.copyOf(presence(driver)).equals(server));

      // She leaves: Alice's page drops her, as the server did.
      assertThat(await(carol.request("channels.leave", new JsonObject().put("topic", "videos:1"), token))
        .getJsonObject("body").getString("status")).isEqualTo("ok");
      waitOn(alice).until(absent("carol"));
      assertThat(presence(alice)).containsExactly("alice");

      // She comes back on another socket and the first one closes: the page lists what the server does.
      BridgeTestClient again = await(BridgeTestClient.connect(vertx, port));
      JsonObject second = await(again.request("channels.join", join, token)).getJsonObject("body");
      Set<String> serverAgain = second.getJsonObject("presence_state").fieldNames();
      assertThat(serverAgain).containsExactlyInAnyOrder("alice", "carol");
      await(carol.close());
      waitOn(alice).until(driver -> Set.copyOf(presence(driver)).equals(serverAgain));
      assertThat(tabsOf(alice, "carol")).isEqualTo(1);
      await(again.close());
      waitOn(alice).until(absent("carol"));
      assertThat(presence(alice)).containsExactly("alice");
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Creates an account through the HTTP API, as a client that is not the page does; its token. */
  private String signUpOverHttp(String username) throws IOException, InterruptedException {
    String body = new JsonObject().put("username", username).put("password", password(username)).encode();
    // Java 17: the client has no close(); it goes with its threads when unreferenced.
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "api/users")).timeout(WAIT)
      .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).withFailMessage("sign-up answered %s", response.body()).isEqualTo(201);
    return new JsonObject(response.body()).getString("token");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The join requests the page's room has sent, as it records them when a (re)join is done. */
  private static int joinRequests(WebDriver driver) {
    return Integer.parseInt(driver.findElement(By.id("topic-label")).getAttribute("data-join-requests"));
  }

  /**
   * A script for {@code executeAsyncScript} that loads the page's channel (js/channel.js, as the
   * service serves it) with the server played by a scripted socket: {@code replies} answers its
   * requests in order, {@code joins} holds their bodies, {@code handler} takes the topic's events,
   * {@code meta(s)} is one socket's presence; {@code lines} go on from there and call {@code done}.
   */
  private static String withScriptedSocket(String... lines) {
    List<String> script = new ArrayList<>(List.of(
      "const done = arguments[arguments.length - 1];",
      "import('/js/channel.js').then(({ Channel }) => {",
      "  const meta = (s) => ({ metas: [{ socket_id: s, online_at: 1 }] });",
      "  const replies = [];",
      "  let handler = null;",
      "  const joins = [];",
      "  const socket = { isOpen: true,",
      "    request(address, body) { joins.push(body); return new Promise((resolve) => replies.push(resolve)); },",
      "    register(address, h) { handler = h; return () => {}; } };"));
    script.addAll(List.of(lines));
    return String.join("\n", script);
  }

  /**
   * The page's channel in a large topic (more metas than the server's presence_detail_limit), the
   * server played by a scripted socket: the join reads one page, not all of them; the count follows
   * diffs that carry only it; further pages are read on request; the first diff back within the
   * limit brings the whole state, and the list is exact again.
   */
  @Test
  void inALargeTopicThePageCountsFromTheDiffsAndReadsMembersInPagesOnRequest() throws IOException {
    WebDriver page = browser();
    page.get(base);
    Object outcome = ((JavascriptExecutor) page).executeAsyncScript(withScriptedSocket(
      "  const p = () => channel.presence;",
      "  const view = () => joins.length + ':' + p().list().map((m) => m.name).sort().join(',') + ':' + p().total()",
      "    + ':' + (p().complete() ? 'complete' : 'partial');",
      "  const event = (name, payload) => handler(null, { body: { event: name, payload } });",
      "  const steps = [];",
      "  const settle = () => new Promise((r) => setTimeout(r, 0));",
      "  const channel = new Channel(socket, 'videos:1', {});",
      "  channel.join();",
      "  replies.shift()({ annotations: [], presence_state: { alice: meta('s1'), bob: meta('s2') }, presence_seq: 5,",
      "    presence_count: 1500, presence_detail: false, presence_more: 2, epoch: 'e', socket_id: 's1' });",
      "  settle().then(() => {",
      "    steps.push(channel.state + ':' + view());",
      "    event('presence_diff', { seq: 6, count: 1501 });",
      "    steps.push(view());",
      "    const more = channel.morePresence();",
      "    steps.push('after=' + joins[joins.length - 1].presence_after);",
      "    replies.shift()({ annotations: [], presence_state: { carol: meta('s3') }, presence_seq: 6, presence_count: 1501,",
      "      presence_detail: false, epoch: 'e', socket_id: 's1' });",
      "    return more;",
      "  }).then((moreToRead) => {",
      "    steps.push(moreToRead + ':' + view());",
      "    event('presence_diff', { seq: 7, count: 2, state: { alice: meta('s1'), dave: meta('s4') } });",
      "    steps.push(view());",
      "    event('presence_diff', { seq: 8, count: 3, joins: { erin: meta('s5') }, leaves: {} });",
      "    steps.push(view());",
      "    done(steps.join(' | '));",
      "  }).catch((e) => done('failed: ' + e));",
      "});"));
    assertThat(outcome).isEqualTo(String.join(" | ",
      // One join: the first page and the server's count; the list is partial.
      "joined:1:alice,bob:1500:partial",
      // A diff with the count only moves the count.
      "1:alice,bob:1501:partial",
      // The next page on request, from the cursor the join gave; it was the last.
      "after=2", "false:2:alice,bob,carol:1501:partial",
      // Back within the limit: the whole state, then diffs with joins and leaves again.
      "2:alice,dave:2:complete", "2:alice,dave,erin:3:complete"));
  }

  /**
   * The page's channel (js/channel.js, as the service serves it) with the server played by a
   * scripted socket, since a server that works never skips a diff's number: a diff whose number is
   * not the next one, and a presence_state (a restarted topic process) during a join, make the
   * page join again for the state as of now, instead of keeping a presence that is wrong for good.
   */
  @Test
  void thePageFetchesPresenceAgainWhenADiffIsMissedOrARestartRacesItsJoin() throws IOException {
    WebDriver page = browser();
    page.get(base);
    Object outcome = ((JavascriptExecutor) page).executeAsyncScript(withScriptedSocket(
      "  const names = () => channel.presence.list().map((p) => p.name).sort().join(',');",
      "  const event = (name, payload) => handler(null, { body: { event: name, payload } });",
      "  const steps = [];",
      "  const reply = (seq, state) => replies.shift()({ annotations: [], presence_state: state, presence_seq: seq,",
      "    presence_count: Object.keys(state).length, epoch: 'e', socket_id: 's1' });",
      "  const settle = () => new Promise((r) => setTimeout(r, 0));",
      "  const channel = new Channel(socket, 'videos:1', {});",
      "  channel.join();",
      "  reply(5, { alice: meta('s1') });",
      "  settle().then(() => {",
      "    event('presence_diff', { seq: 6, joins: { bob: meta('s2') }, leaves: {} });",
      "    steps.push(joins.length + ':' + names());",
      "    event('presence_diff', { seq: 8, joins: { dave: meta('s4') }, leaves: {} });",
      "    steps.push(joins.length + ':' + channel.state);",
      "    reply(8, { alice: meta('s1'), bob: meta('s2'), carol: meta('s3'), dave: meta('s4') });",
      "    return settle();",
      "  }).then(() => {",
      "    steps.push(joins.length + ':' + names());",
      "    channel.join();",
      "    event('presence_state', { seq: 1, state: { alice: meta('s1') } });",
      "    reply(9, { alice: meta('s1'), bob: meta('s2'), carol: meta('s3'), dave: meta('s4') });",
      "    return settle();",
      "  }).then(() => {",
      "    steps.push(joins.length + ':' + channel.state);",
      "    reply(1, { alice: meta('s1') });",
      "    return settle();",
      "  }).then(() => {",
      "    steps.push(joins.length + ':' + names() + ':' + channel.state);",
      "    done(steps.join(' | '));",
      "  }).catch((e) => done('failed: ' + e));",
      "});"));
    assertThat(outcome).isEqualTo(String.join(" | ",
      // The next diff is applied; one with a gap before it makes the page join again at once.
      "1:alice,bob", "2:joining",
      // The second join's reply is the state as of now.
      "2:alice,bob,carol,dave",
      // A restart's state during a join: the join's page is kept, then fetched again.
      "4:joining", "4:alice:joined"));
  }

  @Test
  void aHalfOpenConnectionIsDroppedFromPresenceByThePageThatLeftIt() throws IOException {
    link = new Link(port);
    WebDriver alice = browser();
    WebDriver bob = browser();
    try {
      signInAndJoin(alice, "alice", "http://127.0.0.1:" + link.port() + "/");
      signInAndJoin(bob, "bob");
      waitOn(bob).until(present("alice"));

      // Her side of the connection breaks; the server's side stays open and keeps hearing pings,
      // as with a connection lost in a network that does not say so.
      link.freeze();
      waitOn(alice).until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "reconnecting"));
      link.restore();
      waitOn(alice).until(ExpectedConditions.textToBe(By.id("conn-text"), "Rejoined, nothing missed"));

      // The server lists both of her sockets, so Bob sees two tabs; her page knows one is its past.
      waitOn(bob).until(tabs("alice", 2));
      assertThat(tabsOf(alice, "alice")).isEqualTo(1);
      assertThat(presence(alice)).containsExactly("alice", "bob");
      screenshot(alice, "alice-half-open");

      // Once the server lets the old connection go, everyone agrees again.
      link.releaseFrozen();
      waitOn(bob).until(tabs("alice", 1));
      assertThat(tabsOf(alice, "alice")).isEqualTo(1);
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      screenshot(bob, "failure-bob");
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    }
  }

  @Test
  void afterAServerRestartThePageRejoinsWithEveryAnnotationStillThere() throws IOException, InterruptedException {
    link = new Link(port);
    WebDriver alice = browser();
    WebDriver bob = null;
    try {
      signInAndJoin(alice, "alice", "http://127.0.0.1:" + link.port() + "/");
      for (String body : List.of("first before the restart", "second before the restart", "third before the restart")) {
        post(alice, body);
        waitOn(alice).until(annotation("alice", body));
      }
      recordConnectionStates(alice);

      // Same secret: her session survives; so do the annotations, which are in the database.
      restartService(SECRET);
      waitOn(alice).until(ExpectedConditions.textToBe(By.id("conn-text"), "Rejoined, nothing missed"));
      assertThat(alice.findElement(By.id("ann-count")).getText()).isEqualTo("3");
      assertThat(connectionStates(alice)).contains("reconnecting").endsWith("open");
      screenshot(alice, "alice-after-restart");

      // Bob, arriving after the restart, gets the whole history; his post reaches her.
      bob = browser();
      signInAndJoin(bob, "bob");
      waitOn(bob).until(annotation("alice", "third before the restart"));
      assertThat(bob.findElement(By.id("ann-count")).getText()).isEqualTo("3");
      post(bob, "first after the restart");
      waitOn(alice).until(annotation("bob", "first after the restart"));
      post(alice, "glad you are here");
      waitOn(bob).until(annotation("alice", "glad you are here"));
      assertThat(alice.findElement(By.id("ann-count")).getText()).isEqualTo("5");
      screenshot(alice, "alice-after-restart-posts");
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      if (bob != null) {
        screenshot(bob, "failure-bob");
      }
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    }
  }

  @Test
  void aRejoinRefusedAfterTheSecretChangedIsSaidOnceNeverGreenAndOffersToSignInAgain()
    throws IOException, InterruptedException {
    link = new Link(port);
    WebDriver alice = browser();
    try {
      signInAndJoin(alice, "alice", "http://127.0.0.1:" + link.port() + "/");
      recordConnectionStates(alice);

      // A new secret: her token no longer verifies, so her rejoin is refused.
      restartService(OTHER_SECRET);
      waitOn(alice).until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "refused"));
      assertThat(alice.findElement(By.id("conn-text")).getText()).isEqualTo("Signed out: the server refused your session");
      assertThat(connectionStates(alice)).as("never green after the restart").doesNotContain("open");

      // One refusal, one answer, with the way out.
      List<WebElement> alerts = alice.findElements(By.cssSelector("#alerts .alert"));
      assertThat(alerts).hasSize(1);
      assertThat(alerts.get(0).getText()).contains("The server refused your session", "access_denied");
      WebElement again = alerts.get(0).findElement(By.className("alert-action"));
      assertThat(again.getText()).isEqualTo("Sign in again");
      // Nobody is shown as present in a room she is not in, and the alert covers no card.
      assertThat(presence(alice)).isEmpty();
      assertThat(alice.findElement(By.id("presence-empty")).getText()).startsWith("Not in the room");
      assertDoesNotOverlap(alice.findElement(By.id("alerts")), alice.findElement(By.cssSelector(".room-side .card")));
      screenshot(alice, "alice-refused");

      again.click();
      signIn(alice, "alice");
      alice.findElement(By.id("join")).click();
      waitOn(alice).until(ExpectedConditions.textToBe(By.id("topic-label"), "In videos:1"));
      assertThat(alice.findElements(By.cssSelector("#alerts .alert"))).isEmpty();
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    }
  }

  @Test
  void aWrongPasswordIsRefusedOnThePageAndTheRightOneSignsIn() throws IOException {
    WebDriver alice = browser();
    try {
      signInAndJoin(alice, "alice");
      alice.findElement(By.id("sign-out")).click();
      WebDriverWait wait = waitOn(alice);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
      alice.findElement(By.id("username")).sendKeys("alice");
      alice.findElement(By.id("password")).sendKeys("not her password");
      alice.findElement(By.id("sign-in")).click();
      wait.until(driver -> !driver.findElement(By.id("signin-error")).getText().isEmpty());
      assertThat(alice.findElement(By.id("room-view")).isDisplayed()).isFalse();
      // Signing up again under a taken name is refused too, whatever its case.
      alice.findElement(By.id("username")).clear();
      alice.findElement(By.id("username")).sendKeys("ALICE");
      alice.findElement(By.id("sign-up")).click();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("signin-error"), "taken"));
      screenshot(alice, "alice-refused-password");
      alice.findElement(By.id("username")).clear();
      alice.findElement(By.id("password")).clear();
      signIn(alice, "alice");
      // The videos and the history are still there for her.
      wait.until(ExpectedConditions.attributeToBe(By.id("videos"), "data-loaded", "true"));
      assertThat(alice.findElements(By.cssSelector("#videos .video-item"))).hasSize(1);
    } catch (RuntimeException | AssertionError e) {
      screenshot(alice, "failure-alice");
      throw new AssertionError(e.getMessage() + "\nservice log (last 80 lines):\n" + tail(), e);
    }
  }

  /** From now on, the page keeps every state its connection pill takes, in order. */
  private static void recordConnectionStates(WebDriver driver) {
    ((JavascriptExecutor) driver).executeScript(
      "window.connStates = [];"
        + "const conn = document.getElementById('conn');"
        + "new MutationObserver(() => window.connStates.push(conn.dataset.state))"
        + ".observe(conn, {attributes: true, attributeFilter: ['data-state']});");
  }

  @SuppressWarnings("unchecked")
  private static List<String> connectionStates(WebDriver driver) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript("return window.connStates;");
  }

  private static void assertDoesNotOverlap(WebElement one, WebElement other) {
    Rectangle a = one.getRect();
    Rectangle b = other.getRect();
    boolean overlap = a.getX() < b.getX() + b.getWidth() && b.getX() < a.getX() + a.getWidth()
      && a.getY() < b.getY() + b.getHeight() && b.getY() < a.getY() + a.getHeight();
    assertThat(overlap).as("%s overlaps %s", describe(a), describe(b)).isFalse();
  }

  private static String describe(Rectangle r) {
    return r.getX() + "," + r.getY() + " " + r.getWidth() + "x" + r.getHeight();
  }

  /** How many tabs the presence list shows for a user: 1 unless it says "n tabs". */
  private static int tabsOf(WebDriver driver, String user) {
    WebElement item = driver.findElement(inPresence(user));
    List<WebElement> tabs = item.findElements(By.className("presence-tabs"));
    return tabs.isEmpty() ? 1 : Integer.parseInt(tabs.get(0).getText().replace(" tabs", ""));
  }

  private static ExpectedCondition<Boolean> tabs(String user, int count) {
    return driver -> !driver.findElements(inPresence(user)).isEmpty() && tabsOf(driver, user) == count;
  }

  private String tail() {
    List<String> lines = new ArrayList<>(earlierLog);
    lines.addAll(service.log());
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temporary profile left behind is harmless
    }
  }
  /**
   * A TCP link to the service that the test can cut, as a network drop would: {@link #drop()}
   * closes every connection and refuses new ones until {@link #restore()}. {@link #freeze()}
   * breaks only the browser's side: the service's side of a websocket stays open and the link keeps
   * sending the SockJS pings the browser would, so the service cannot tell the connection is gone
   * (a half-open connection) until {@link #releaseFrozen()} closes it.
   */
  private static final class Link implements AutoCloseable {

    /** A SockJS ping from a client: {@code ["{\"type\":\"ping\"}"]} in a masked websocket text frame. */
    private static final byte[] PING = "[\"{\\\"type\\\":\\\"ping\\\"}\"]".getBytes(StandardCharsets.UTF_8);

    private final ServerSocket server;
    private final int target;
    private final Set<Pair> open = ConcurrentHashMap.newKeySet();
    private final Set<Pair> frozen = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "browser-it-link-pinger");
      thread.setDaemon(true);
      return thread;
    });
    private volatile boolean up = true;

    /** One browser connection and its connection to the service. */
    private static final class Pair {
      final Socket client;
      final Socket upstream;
      volatile boolean websocket;
      volatile boolean frozen;

      Pair(Socket client, Socket upstream) {
        this.client = client;
        this.upstream = upstream;
      }
    }

    Link(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "browser-it-link");
      acceptor.setDaemon(true);
      acceptor.start();
      // The browser pings every 5 s; a frozen connection gets one every 2 s from the link.
      pinger.scheduleAtFixedRate(this::ping, 2, 2, TimeUnit.SECONDS);
    }

    int port() {
      return server.getLocalPort();
    }

    void drop() {
      up = false;
      open.forEach(pair -> {
        closeQuietly(pair.client);
        closeQuietly(pair.upstream);
      });
      open.clear();
    }

    void freeze() {
      up = false;
      open.forEach(pair -> {
        if (pair.websocket) {
          pair.frozen = true;
          frozen.add(pair);
        } else {
          closeQuietly(pair.upstream);
        }
        closeQuietly(pair.client);
      });
      open.clear();
    }

    void releaseFrozen() {
      frozen.forEach(pair -> closeQuietly(pair.upstream));
      frozen.clear();
    }

    void restore() {
      up = true;
    }

    @Override
    public void close() {
      drop();
      releaseFrozen();
      pinger.shutdownNow();
      closeQuietly(server);
    }

    private void accept() {
      while (!server.isClosed()) {
        Socket client;
        try {
          client = server.accept();
        } catch (IOException closed) {
          return;
        }
        if (!up) {
          closeQuietly(client);
          continue;
        }
        try {
          Pair pair = new Pair(client, new Socket(InetAddress.getLoopbackAddress(), target));
          open.add(pair);
          pump(pair, true);
          pump(pair, false);
        } catch (IOException refused) {
          closeQuietly(client);
        }
      }
    }

    private void pump(Pair pair, boolean outbound) {
      Socket from = outbound ? pair.client : pair.upstream;
      Socket to = outbound ? pair.upstream : pair.client;
      Thread pump = new Thread(() -> {
        try {
          byte[] buffer = new byte[8192];
          int read;
          boolean first = true;
          while ((read = from.getInputStream().read(buffer)) != -1) {
            if (outbound && first) {
              // The browser's first bytes are its HTTP request: a websocket asks for an upgrade.
              String head = new String(buffer, 0, read, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
              pair.websocket = head.contains("upgrade: websocket");
              first = false;
            }
            synchronized (pair) {
              to.getOutputStream().write(buffer, 0, read);
            }
          }
        } catch (IOException e) {
          // one side went away
        } finally {
          closeQuietly(pair.client);
          if (!pair.frozen) {
            closeQuietly(pair.upstream);
          }
          open.remove(pair);
        }
      }, "browser-it-link-pump");
      pump.setDaemon(true);
      pump.start();
    }

    /** A ping on each frozen websocket, in a masked text frame as a client's must be. */
    private void ping() {
      byte[] mask = {0x11, 0x22, 0x33, 0x44};
      byte[] frame = new byte[2 + 4 + PING.length];
      frame[0] = (byte) 0x81; // FIN, text
      frame[1] = (byte) (0x80 | PING.length);
      System.arraycopy(mask, 0, frame, 2, 4);
      for (int i = 0; i < PING.length; i++) {
        frame[6 + i] = (byte) (PING[i] ^ mask[i % 4]);
      }
      for (Pair pair : frozen) {
        try {
          synchronized (pair) {
            pair.upstream.getOutputStream().write(frame);
          }
        } catch (IOException gone) {
          frozen.remove(pair);
        }
      }
    }

    private static void closeQuietly(Closeable closeable) {
      try {
        closeable.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }
}
