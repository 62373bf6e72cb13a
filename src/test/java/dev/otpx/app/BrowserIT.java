package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * and two real headless Chromium browsers on its page at {@code /}. Alice signs in, joins video 1,
 * asks {@code what is 2 + 2} and sees the calculator's {@code 4} arrive as an annotation; Bob joins
 * the same video, finds Alice present and her post in the history, and the two see each other's
 * posts and presence, including Bob leaving. Then a network drop: Alice's connection is cut while
 * Bob posts, her page reconnects by itself, rejoins with the last id it has and gets only what it
 * missed, and its handlers work again.
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

  @TempDir
  Path dataDir;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<WebDriver> drivers = new ArrayList<>();
  private final List<Path> profiles = new ArrayList<>();
  private Process service;
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

    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", Path.of("target", "otpx.jar").toString()).redirectErrorStream(true);
    builder.environment().put("HTTP_PORT", String.valueOf(port));
    builder.environment().put("HTTP_HOST", "127.0.0.1");
    builder.environment().remove("OTPX_CONFIG");
    builder.environment().remove("OTPX_DATABASE_URL");
    builder.environment().put("OTPX_DATA_DIR", dataDir.toString());
    builder.environment().remove("WOLFRAM_APP_ID");
    service = builder.start();
    BufferedReader output = new BufferedReader(new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = output.readLine()) != null) {
      log.add(line);
      if (line.contains("http listening on")) {
        break;
      }
    }
    if (line == null) {
      throw new AssertionError("the service ended before listening; log:\n" + String.join("\n", log));
    }
    // The counters log every second: keep reading, or a full pipe would block the service.
    Thread drain = new Thread(() -> {
      try {
        String more;
        while ((more = output.readLine()) != null) {
          log.add(more);
        }
      } catch (IOException closed) {
        // the service has gone
      }
    }, "browser-it-log");
    drain.setDaemon(true);
    drain.start();
    base = "http://127.0.0.1:" + port + "/";
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    drivers.forEach(WebDriver::quit);
    if (link != null) {
      link.close();
    }
    if (service != null && service.isAlive()) {
      service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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

  /** Signs in on a fresh page and joins the video in the input (1 by default). */
  private void signInAndJoin(WebDriver driver, String username) {
    signInAndJoin(driver, username, base);
  }

  private void signInAndJoin(WebDriver driver, String username, String page) {
    WebDriverWait wait = waitOn(driver);
    driver.get(page);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username")));
    // Signing in takes a password now and the page has no field for it yet (issue 11's second
    // phase adds sign-up and sign-in to the page): register over HTTP and hand the page the token
    // the way its own sign-in stores it, then load it again.
    JsonObject session = session(username);
    ((JavascriptExecutor) driver).executeScript("sessionStorage.setItem('otpx.token', arguments[0]);"
      + " sessionStorage.setItem('otpx.username', arguments[1]);", session.getString("token"), session.getString("username"));
    driver.navigate().refresh();
    wait.until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "open"));
    assertThat(driver.findElement(By.id("video")).getAttribute("value")).isEqualTo("1");
    driver.findElement(By.id("join")).click();
    wait.until(ExpectedConditions.textToBe(By.id("topic-label"), "In videos:1"));
    wait.until(ExpectedConditions.elementToBeClickable(By.id("body")));
    wait.until(present(username));
  }

  /** Registers the user (once) and signs in over HTTP: {@code {"token", "username"}}. */
  private JsonObject session(String username) {
    String credentials = new JsonObject().put("username", username).put("password", "password of " + username).encode();
    try {
      HttpResponse<String> registered = http.send(HttpRequest.newBuilder(URI.create(base + "api/users"))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(credentials)).build(),
        HttpResponse.BodyHandlers.ofString());
      assertThat(registered.statusCode()).as(registered.body()).isIn(201, 409);
      HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(URI.create(base + "api/sessions"))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(credentials)).build(),
        HttpResponse.BodyHandlers.ofString());
      assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(201);
      return new JsonObject(signedIn.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
      log.add("screenshot " + name + " failed: " + e);
    }
  }

  @Test
  void twoPeopleJoinAVideoSeeEachOtherAndTheCalculatorAnswers() throws IOException {
    WebDriver alice = browser();
    WebDriver bob = browser();
    try {
      signInAndJoin(alice, "alice");
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

      link.drop();
      waitOn(alice).until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "reconnecting"));
      // The server saw her socket close: she left the topic.
      waitOn(bob).until(absent("alice"));
      post(bob, "while you were away");
      waitOn(bob).until(annotation("bob", "while you were away"));
      screenshot(alice, "alice-offline");

      link.restore();
      // The rejoin asks for ids above the last one she had: the server sends Bob's post alone.
      waitOn(alice).until(ExpectedConditions.textToBe(By.id("conn-text"), "Rejoined: caught up on 1 missed"));
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

  private String tail() {
    List<String> lines = new ArrayList<>(log);
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
   * closes every connection and refuses new ones until {@link #restore()}.
   */
  private static final class Link implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean up = true;

    Link(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "browser-it-link");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void drop() {
      up = false;
      open.forEach(Link::closeQuietly);
      open.clear();
    }

    void restore() {
      up = true;
    }

    @Override
    public void close() {
      drop();
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
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          open.add(client);
          open.add(upstream);
          pipe(client, upstream);
          pipe(upstream, client);
        } catch (IOException refused) {
          closeQuietly(client);
        }
      }
    }

    private void pipe(Socket from, Socket to) {
      Thread pump = new Thread(() -> {
        try {
          from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
          // one side went away
        } finally {
          closeQuietly(from);
          closeQuietly(to);
          open.remove(from);
          open.remove(to);
        }
      }, "browser-it-link-pump");
      pump.setDaemon(true);
      pump.start();
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
