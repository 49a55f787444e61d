from django.urls import path

from . import views_review

app_name = "addresses"

urlpatterns = [
    path("reviews/", views_review.review_queue, name="reviews"),
    path("reviews/<int:pk>/confirm/", views_review.review_confirm, name="review_confirm"),
    path("reviews/<int:pk>/reject/", views_review.review_reject, name="review_reject"),
    path("reviews/<int:pk>/search/", views_review.review_search, name="review_search"),
    path("rate/", views_review.rate_page, name="rate"),
]
