package dev.otpx.process;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runtime's boundary, enforced: its engine ({@code dev.otpx.process.engine}) is used by the
 * runtime and by the engine's own tests only, no public type of the API is an engine type, the API
 * hands out no engine type, and the runtime's main code depends on nothing of the application above
 * it. The engine rule checks test code too: a test that reaches into the engine belongs in the
 * engine's own tests.
 */
class RuntimeBoundaryTest {

  private static final String RUNTIME = "dev.otpx.process..";
  private static final String ENGINE = "dev.otpx.process.engine..";
  private static JavaClasses otpx;
  private static JavaClasses main;

  @BeforeAll
  static void importEverything() {
    otpx = new ClassFileImporter().importPackages("dev.otpx");
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.otpx");
  }

  @Test
  void nothingOutsideTheRuntimeUsesTheEngine() {
    noClasses().that().resideOutsideOfPackage(RUNTIME)
      .should().dependOnClassesThat().resideInAPackage(ENGINE)
      .because("the engine is the runtime's own; code outside it uses dev.otpx.process's public API")
      .check(otpx);
  }

  @Test
  void noPublicTypeOfTheApiIsAnEngineType() {
    noClasses().that().resideInAPackage("dev.otpx.process").and().arePublic()
      .should().beAssignableTo(JavaClass.Predicates.resideInAPackage(ENGINE))
      .because("a public class that subclasses or implements the engine makes the engine public")
      .check(otpx);
  }

  @Test
  void theApiHandsOutNoEngineType() {
    noMethods().that().arePublic().and().areDeclaredInClassesThat().resideInAPackage("dev.otpx.process")
      .and().areDeclaredInClassesThat().arePublic()
      .should().haveRawReturnType(JavaClass.Predicates.resideInAPackage(ENGINE))
      .because("what the API returns is API")
      .check(otpx);
  }

  @Test
  void theRuntimeDependsOnVertxCoreOnly() {
    classes().that().resideInAPackage(RUNTIME)
      .should().onlyDependOnClassesThat().resideInAnyPackage(RUNTIME, "java..", "io.vertx.core..", "io.netty..", "org.slf4j..")
      .because("the runtime is the bottom of the application: it knows no feature package and no vertx-web")
      .check(main);
  }
}
